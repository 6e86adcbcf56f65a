import { describe, expect, it } from 'vitest';
import { disparityReport } from '../core/fairness/disparityReport.js';
import { DAY_MS } from '../core/quality/qualityCounters.js';
import { qualityReport } from '../core/quality/qualityReport.js';
import type { FairnessReport } from '../fairness/FairnessService.js';
import { formatFairnessReport, formatQualityReport } from './qualityCommands.js';

const day = Date.UTC(2026, 11, 1) / DAY_MS;

describe('formatQualityReport', () => {
  it('prints the figures, the rejections, the type changes and the plan\'s findings', () => {
    const text = formatQualityReport(qualityReport({
      since: day * DAY_MS, until: (day + 7) * DAY_MS, bucket: 'day',
      volume: [{ day, type: 'track', name: 'Order Completed', source: 'analytics.js', count: 9, over1h: 2, over1d: 1, over7d: 0 }],
      counters: [
        { day, kind: 'received', subject: 'accepted', detail: '', variant: '', count: 9 },
        { day, kind: 'received', subject: 'rejected', detail: '', variant: '', count: 1 },
        { day, kind: 'rejected', subject: 'ATTUNE_EVENT_INVALID', detail: 'validateCallShape', variant: '', count: 1 },
        { day, kind: 'event', subject: 'track:Order Completed', detail: '', variant: '', count: 9 },
        { day, kind: 'property', subject: 'track:Order Completed', detail: 'revenue', variant: 'integer', count: 8 },
        { day, kind: 'property', subject: 'track:Order Completed', detail: 'revenue', variant: 'string', count: 1 },
      ],
      merges: [], identity: { profiles: 4, atMergeCap: 1, maxMergedProfiles: 50 },
      unreadableAllTime: { unreadableNumbers: 0, byProperty: {} },
      plan: { events: [{ event: 'Order Completed', properties: [{ name: 'order_id', required: true }] }] },
    }));
    expect(text).toContain('Data quality 2026-12-01 to 2026-12-07');
    expect(text).toContain('rejected 1: 10.0%');
    expect(text).toContain('ATTUNE_EVENT_INVALID at validateCallShape: 1 (10.0%)');
    expect(text).toContain('profiles at the merge cap (50) 1 of 4');
    expect(text).toContain('Order Completed.revenue: integer 8, string 1');
    expect(text).toContain('missing order_id: 9 (100.0%)');
  });
});

describe('formatFairnessReport', () => {
  it('prints each measure\'s groups with their ratios and marks those below the threshold', () => {
    const report: FairnessReport = {
      ...disparityReport(['exposure'], [
        { group: 'north', measures: { exposure: { successes: 40, units: 40 } } },
        { group: 'south', measures: { exposure: { successes: 12, units: 40 } } },
      ], { threshold: 0.8, alpha: 0.05, reference: 'best', minUnits: 1 }),
      subject: { kind: 'placement', id: 'hero', action: null }, by: 'traits.region', from: '2026-11-08', to: '2026-12-07', reference: 'best', minUnits: 1, groupsOmitted: 0,
    };
    const text = formatFairnessReport(report);
    expect(text).toContain('Fairness of placement hero by traits.region, 2026-11-08 to 2026-12-07; threshold 0.8, 95% intervals');
    expect(text).toMatch(/south\s+12\/40\s+30\.0%\s+ratio 0\.30 \[0\.19, 0\.48\]\s+BELOW/);
    expect(text).toContain('exposure: south at 0.30 of north');
  });
});
