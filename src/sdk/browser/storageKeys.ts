/** The names the SDK stores under; the anonymous id's is shared with the server's docs and the example. */
export const storageKeys = {
  anonymousId: 'attune_anonymous_id',
  userId: 'attune_user_id',
  /** The userId's signature from the site's backend (identity verification). */
  userHash: 'attune_user_hash',
  consent: 'attune_consent',
  /** Followed by the write key: events belong to the workspace they were queued for. */
  queuePrefix: 'attune_queue:',
} as const;
