import * as accounts from './areas/accounts';
import * as api from './areas/api';
import * as auditLog from './areas/audit-log';
import * as core from './areas/core';
import * as downloads from './areas/downloads';
import * as estimation from './areas/estimation';
import * as sites from './areas/sites';
import * as evaluation from './areas/evaluation';
import * as evaluationUi from './areas/evaluation-ui';
import * as input from './areas/input';
import * as exportsArea from './areas/exports';
import * as funding from './areas/funding';
import * as lifecycle from './areas/lifecycle';
import * as report from './areas/report';
import * as rectification from './areas/rectification';
import * as reportUi from './areas/report-ui';
import * as respond from './areas/respond';
import * as review from './areas/review';
import * as cases from './areas/cases';
import * as casesEvaluation from './areas/cases-evaluation';
import * as stationHome from './areas/station-home';
import * as stats from './areas/stats';
import * as surveys from './areas/surveys';
import * as tallies from './areas/tallies';

/**
 * The source catalog: every user-facing text, keyed, one file per area under areas/.
 * Each area file exports `zh` and an `en` typed with the same keys, so a missing translation does not compile.
 */
export const zhCN = {
  ...core.zh,
  ...sites.zh,
  ...respond.zh,
  ...surveys.zh,
  ...stats.zh,
  ...review.zh,
  ...evaluation.zh,
  ...evaluationUi.zh,
  ...exportsArea.zh,
  ...lifecycle.zh,
  ...stationHome.zh,
  ...cases.zh,
  ...casesEvaluation.zh,
  ...accounts.zh,
  ...tallies.zh,
  ...funding.zh,
  ...api.zh,
  ...input.zh,
  ...downloads.zh,
  ...auditLog.zh,
  ...estimation.zh,
  ...report.zh,
  ...reportUi.zh,
  ...rectification.zh,
} as const;

export type MessageKey = keyof typeof zhCN;
