import type { Clock } from '../core/common/ports.js';
import { timeZoneOf } from '../core/decide/timeZoneOf.js';
import { AttuneError } from '../core/errors/AttuneError.js';
import { activityHistogram } from '../core/sendTime/ActivityHours.js';
import { bestSendTime, sumHistograms, type BestSendTime } from '../core/sendTime/bestSendTime.js';
import type { DecisionReader, ProfileReader } from '../store/ports.js';

/** The workspace histogram moves slowly (a sum over every profile): recomputed at most this often. */
const workspaceRecheckMillis = 10 * 60_000;

/**
 * Best send time: the profile's engagement hours (kept in its knowledge as events arrive),
 * smoothed toward the workspace's, which is summed over every profile and cached.
 */
export class SendTimeService {
  private readonly workspaceHistograms = new Map<string, { readonly at: number; readonly byChannel: Map<string, number[] | undefined> }>();

  constructor(private readonly deps: { reader: DecisionReader; profiles: ProfileReader; clock: Clock }) {}

  async bestSendTime(workspaceId: string, id: string, channel: string): Promise<BestSendTime & { profileId: string; channel: string }> {
    const found = await this.deps.profiles.findProfile(workspaceId, id, 0);
    const row = found === undefined ? undefined : await this.deps.reader.decisionProfile(workspaceId, found.id);
    if (row === undefined) throw new AttuneError('ATTUNE_PROFILE_NOT_FOUND', { detail: `no profile has the id "${id}"` });
    const now = this.deps.clock.now();
    const profile = row.knowledge.h === undefined ? undefined : activityHistogram(row.knowledge.h, channel, now);
    const workspace = await this.workspaceHistogram(workspaceId, channel, now);
    // The profile's `timezone` trait, else the zone its latest engagement event named.
    const timeZone = timeZoneOf(null, row.traits) ?? row.knowledge.h?.z ?? null;
    return { profileId: row.id, channel, ...bestSendTime({ profile, workspace, timeZone, now }) };
  }

  private async workspaceHistogram(workspaceId: string, channel: string, now: number): Promise<number[] | undefined> {
    let cached = this.workspaceHistograms.get(workspaceId);
    if (cached === undefined || now - cached.at >= workspaceRecheckMillis) {
      cached = { at: now, byChannel: new Map() };
      this.workspaceHistograms.set(workspaceId, cached);
    }
    if (!cached.byChannel.has(channel)) {
      const states = await this.deps.reader.activityHours(workspaceId);
      cached.byChannel.set(channel, sumHistograms(states.map((s) => activityHistogram(s, channel, now))));
    }
    return cached.byChannel.get(channel);
  }
}
