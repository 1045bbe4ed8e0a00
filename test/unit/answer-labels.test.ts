import { answerLabels } from '../../server/domain/answer-labels';
import { question } from '../helpers/fixtures';

describe('answerLabels', () => {
  const likert = question({ id: 'q1', type: 'likert5' });
  const multi = question({ id: 'm', type: 'multi', options: [{ id: 'x', label: '到站' }, { id: 'y', label: '上门' }] });

  it('shows a Likert answer as its label, 不了解/不适用 included', () => {
    expect(answerLabels(likert, '4')).toEqual(['满意']);
    expect(answerLabels(likert, 'na')).toEqual(['不了解/不适用']);
  });

  it('shows every chosen option of a multiple choice, in the order answered', () => {
    expect(answerLabels(multi, ['y', 'x'])).toEqual(['上门', '到站']);
  });

  it('shows numbers and text as given, and an option id no longer offered as itself', () => {
    expect(answerLabels(question({ id: 'r', type: 'rating', min: 1, max: 5 }), 4)).toEqual(['4']);
    expect(answerLabels(question({ id: 'c', type: 'text' }), '希望多组织活动')).toEqual(['希望多组织活动']);
    expect(answerLabels(likert, '9')).toEqual(['9']);
  });

  it('is empty when the question was not answered', () => {
    expect(answerLabels(likert, undefined)).toEqual([]);
    expect(answerLabels(multi, [])).toEqual([]);
    expect(answerLabels(question({ id: 'c', type: 'text' }), '')).toEqual([]);
  });
});
