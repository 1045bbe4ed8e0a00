import { MIN_RESPONDENTS, Z95 } from '../domain/estimation';
import type { Translate } from '../i18n';
import type { DashboardStats } from './statistics';

export interface MethodItem {
  item: string;
  text: string;
}

/** The margin every requirement is planned for (±5 points at 95%). */
export const PLANNED_MARGIN_POINTS = 5;

/**
 * 计算方法: every formula the dashboard, the statistics workbook and the analysis report use, with
 * the estimator's name, its assumptions and the parameters of this survey and view (weights, the
 * satisfied threshold, which weighting was used and why, the allocation). One list for all three.
 */
export function methodology(stats: DashboardStats, t: Translate): MethodItem[] {
  const o = stats.overall;
  const levels = stats.survey.satisfiedLevels.map((l) => t(`likert.${l}` as Parameters<Translate>[0])).join(t('common.listSep'));
  const weightsNow =
    o.estimator.weighting === 'population'
      ? t('est.method.weightsPopulation', { k: o.estimator.strata })
      : t('est.method.weightsRespondents', { k: o.estimator.strata, names: o.estimator.missingPopulation.join(t('common.listSep')) });
  const row = (item: Parameters<Translate>[0], text: string): MethodItem => ({ item: t(item), text });
  return [
    row('est.method.unit', t('est.method.unitText', { weights: stats.survey.weights.join('/') })),
    row('est.method.threshold', t('est.method.thresholdText', { threshold: stats.survey.threshold, levels })),
    row('est.method.station', t('est.method.stationText')),
    row('est.method.overall', `${t('est.method.overallText')} ${weightsNow}`),
    row('est.method.rate', t('est.method.rateText')),
    row('est.method.small', t('est.method.smallText', { min: MIN_RESPONDENTS, low: Math.min(...stats.survey.weights), high: Math.max(...stats.survey.weights) })),
    row('est.method.allEqual', t('est.method.allEqualText', { min: Math.min(...stats.survey.weights), max: Math.max(...stats.survey.weights) })),
    row('est.method.census', t('est.method.censusText')),
    row('est.method.items', t('est.method.itemsText')),
    row('est.method.pooled', t('est.method.pooledText')),
    row('est.method.required', t('est.method.requiredText', { z: Z95.toFixed(2), margin: PLANNED_MARGIN_POINTS })),
    row(
      'est.method.allocation',
      `${t('est.method.allocationText')} ${t('est.method.allocationNow', { allocation: t(`est.allocation.${o.allocation}`), n: o.required, stations: o.stationsRequired })}`,
    ),
    row('est.method.moe', t('est.method.moeText')),
    row('est.method.crosstab', t('est.method.crosstabText')),
    row('export.method.na', t('export.method.naText')),
    row('export.method.validity', t('export.method.validityText')),
    row('est.method.assumptions', t('est.method.assumptionsText')),
    row('est.method.sources', t('est.method.sourcesText')),
  ];
}
