/* The Node SDK's public names. */
export { AttuneClient, type AttuneClientOptions, type DecideInput, type EventMessage, type Identity, type TrackMessage, type PageMessage, type IdentifyMessage, type GroupMessage, type AliasMessage, type CommonFields } from './AttuneClient.js';
export { AttuneApiError, type AttuneApiErrorOptions, type ClientErrorCode } from './AttuneApiError.js';
export type { AttuneTransport } from './AttuneTransport.js';
export { httpTransport, type HttpTransportOptions } from './httpTransport.js';
export { inProcessTransport } from './inProcessTransport.js';
export { openEmbedded, type EmbeddedOptions } from './openEmbedded.js';
/* Identity verification: what a backend signs user ids with (HMAC-SHA256, hex). */
export { userHash } from '../../workspaces/userHash.js';
