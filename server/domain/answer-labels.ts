import type { AnswerValue } from '../../models/response';
import type { Question } from '../../models/survey';

/**
 * An answer as a reader sees it: option labels (不了解/不适用 included), numbers and text as given.
 * Empty when the question was not answered. An option id no longer among the options shows as itself.
 */
export function answerLabels(q: Question, value: AnswerValue | undefined): string[] {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return [];
  if (typeof value === 'number') return [String(value)];
  const label = (id: string) => {
    if (id === 'na' && q.type === 'likert5') return q.notApplicableLabel || id;
    return q.options.find((o) => o.id === id)?.label ?? id;
  };
  if (Array.isArray(value)) return value.map(label);
  return q.type === 'text' || q.type === 'number' ? [value] : [label(value)];
}
