const searchEngines = /(^|\.)(google|bing|duckduckgo|yahoo|baidu|yandex|ecosia|qwant|startpage)\./;
const socialNetworks = /(^|\.)(facebook|fb|instagram|twitter|x|t|linkedin|lnkd|pinterest|reddit|tiktok|youtube|snapchat|whatsapp)\.(com|co|in|me)$/;
const paidMedia = new Set(['cpc', 'ppc', 'paid', 'paidsearch', 'paid_search', 'display', 'cpm', 'banner', 'retargeting', 'affiliate', 'paid_social', 'paidsocial']);

export type EntryChannel = 'paid' | 'email' | 'social' | 'search' | 'referral' | 'direct';

/**
 * The channel a session came in by, from its UTM medium and referrer, in the order that
 * marketers expect: an explicit medium wins over the referrer's domain.
 */
export function entryChannel(utmMedium: string | null, referrerHost: string | null, ownHost: string | null): EntryChannel {
  const medium = utmMedium?.toLowerCase() ?? null;
  if (medium !== null) {
    if (paidMedia.has(medium)) return 'paid';
    if (medium === 'email' || medium === 'newsletter') return 'email';
    if (medium === 'social' || medium === 'social-media') return 'social';
    if (medium === 'organic') return 'search';
    if (medium === 'referral') return 'referral';
  }
  if (referrerHost === null || referrerHost === '' || referrerHost === ownHost) return 'direct';
  if (searchEngines.test(referrerHost)) return 'search';
  if (socialNetworks.test(referrerHost)) return 'social';
  return 'referral';
}

export type DeviceType = 'mobile' | 'tablet' | 'desktop' | 'bot' | 'unknown';

/** Device class from Segment's `context.device.type` when given, else from the user agent. */
export function deviceType(declared: string | null, userAgent: string | null): DeviceType {
  const d = declared?.toLowerCase();
  if (d === 'mobile' || d === 'ios' || d === 'android' || d === 'phone') return 'mobile';
  if (d === 'tablet' || d === 'ipad') return 'tablet';
  if (d === 'desktop' || d === 'macos' || d === 'windows' || d === 'linux') return 'desktop';
  if (userAgent === null) return 'unknown';
  if (/bot|crawler|spider|crawling/i.test(userAgent)) return 'bot';
  if (/iPad|Tablet|PlayBook|Silk|Android(?!.*Mobile)/i.test(userAgent)) return 'tablet';
  if (/Mobi|iPhone|iPod|Android.*Mobile|Windows Phone/i.test(userAgent)) return 'mobile';
  return 'desktop';
}
