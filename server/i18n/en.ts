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
import type { MessageKey } from './zh-CN';

export const en: Record<MessageKey, string> = {
  ...core.en,
  ...sites.en,
  ...respond.en,
  ...surveys.en,
  ...stats.en,
  ...review.en,
  ...evaluation.en,
  ...evaluationUi.en,
  ...exportsArea.en,
  ...lifecycle.en,
  ...stationHome.en,
  ...cases.en,
  ...casesEvaluation.en,
  ...accounts.en,
  ...tallies.en,
  ...funding.en,
  ...api.en,
  ...input.en,
  ...downloads.en,
  ...auditLog.en,
  ...estimation.en,
  ...report.en,
  ...reportUi.en,
  ...rectification.en,
};
