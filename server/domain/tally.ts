import type { SurveyResponse } from '../../models/response';
import type { Question } from '../../models/survey';
import type { TallyDelta, TallyLevel } from '../../models/tally';
import { localDateTime } from './time';
import { tallyDeltas } from './tally-cells';
import { groupId, mergeDeltas } from './tally-merge';

export {
  RESPONSES_CELL,
  SATISFACTION_CELLS,
  RESPONDENT_CELLS,
  DIMENSION_CELLS,
  cellKey,
  dimensionKey,
  parseDimensionCell,
  tallyState,
  responseCells,
  respondentCells,
  tallyKeys,
  trendCells,
  tallyDeltas,
  deltasOf,
  type ResponseTallies,
} from './tally-cells';
export { mergeDeltas } from './tally-merge';

/** Moving a response from one state to another (a review): remove from the old groups, add to the new. */
export function moveDeltas(before: SurveyResponse, after: SurveyResponse, questions: readonly Question[]): TallyDelta[] {
  return [...tallyDeltas(before, questions, -1), ...tallyDeltas(after, questions, 1)];
}

/** Whether two sets of tallies hold the same counts (sums equal up to float rounding). */
export function sameTallies(a: TallyDelta[], b: TallyDelta[]): { same: boolean; difference?: string } {
  const ma = mergeDeltas(a);
  const mb = mergeDeltas(b);
  const index = new Map(mb.map((d) => [groupId(d.key), d]));
  if (ma.length !== mb.length) return { same: false, difference: `${ma.length} groups vs ${mb.length}` };
  for (const d of ma) {
    const other = index.get(groupId(d.key));
    if (!other) return { same: false, difference: `group ${groupId(d.key)} missing` };
    const keys = new Set([...Object.keys(d.cells), ...Object.keys(other.cells)]);
    for (const k of keys) {
      const x = d.cells[k];
      const y = other.cells[k];
      if (!x || !y || x.count !== y.count || !close(x.sum, y.sum) || !close(x.sumsq, y.sumsq)) {
        return { same: false, difference: `group ${groupId(d.key)} cell ${k}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}` };
      }
    }
  }
  return { same: true };
}

const close = (x: number, y: number) => Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));

interface LevelFilters {
  siteIds?: readonly string[];
  dayFrom?: string;
  dayTo?: string;
  channels?: readonly string[];
  segments?: readonly string[];
}

/** The cheapest level that can answer a by-station/segment query with these filters. */
export function dashboardLevel(f: LevelFilters): TallyLevel {
  return f.dayFrom || f.dayTo || f.channels ? 'fine' : 'sites';
}

/** The cheapest level that can answer a by-day query with these filters. */
export function trendLevel(f: LevelFilters): TallyLevel {
  return f.siteIds || f.channels || f.segments ? 'fine' : 'trend';
}

/**
 * The time up to which tallies are complete, as a page says it: "hh:mm:ss" in the zone when it is
 * the same local day as `now`, else "YYYY-MM-DD hh:mm:ss" (a backlog older than today is named in full).
 */
export function tallyFreshnessTime(asOf: string, now: string, timeZone: string): string {
  const at = localDateTime(asOf, timeZone);
  return at.slice(0, 10) === localDateTime(now, timeZone).slice(0, 10) ? at.slice(11) : at;
}
