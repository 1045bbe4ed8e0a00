import { defaultSettings, LIKERT_LEVELS, type Question, type SurveySettings } from '../../models/survey';
import { LIKERT_LABELS } from './survey-definition';

export interface SurveyTemplate {
  title: string;
  description: string;
  questions: Question[];
  segmentQuestionId: string;
  settings: SurveySettings;
  locale: 'zh-CN' | 'en';
}

type Text = { zh: string; en: string };

const choice = (id: string, text: Text, options: [string, Text][], locale: 'zh-CN' | 'en', extra: Partial<Question> = {}): Question => ({
  id,
  type: 'single',
  text: locale === 'en' ? text.en : text.zh,
  help: '',
  required: true,
  options: options.map(([oid, label]) => ({ id: oid, label: locale === 'en' ? label.en : label.zh })),
  dimension: null,
  countsTowardSatisfaction: false,
  allowNotApplicable: false,
  notApplicableLabel: '',
  min: null,
  max: null,
  maxLength: null,
  ...extra,
});

const likert = (id: string, dimension: string, text: Text, locale: 'zh-CN' | 'en'): Question => {
  const labels = LIKERT_LABELS[locale];
  return {
    id,
    type: 'likert5',
    text: locale === 'en' ? text.en : text.zh,
    help: '',
    required: true,
    options: LIKERT_LEVELS.map((level, i) => ({ id: level, label: labels.levels[i]! })),
    dimension,
    countsTowardSatisfaction: true,
    allowNotApplicable: true,
    notApplicableLabel: labels.notApplicable,
    min: null,
    max: null,
    maxLength: null,
  };
};

/** The six satisfaction dimensions of the template, in the order residents see them. */
export const TEMPLATE_DIMENSIONS: [string, string, Text][] = [
  ['attitude', 'attitude', { zh: '您对社工的服务态度满意吗？', en: 'How satisfied are you with the social workers’ attitude?' }],
  ['competence', 'competence', { zh: '您对社工的专业能力满意吗？', en: 'How satisfied are you with the social workers’ professional skills?' }],
  ['timeliness', 'timeliness', { zh: '有需要时，社工能及时回应和帮助您，您满意吗？', en: 'When you needed help, how satisfied were you with how quickly the station responded?' }],
  ['effect', 'effect', { zh: '服务给您的生活带来的实际帮助（困难缓解、生活改善），您满意吗？', en: 'How satisfied are you with the real difference the service made (problems eased, life improved)?' }],
  ['environment', 'environment', { zh: '您对社工站的环境和设施满意吗？', en: 'How satisfied are you with the station’s premises and facilities?' }],
  ['overall', 'overall', { zh: '总的来说，您对社工站的服务满意吗？', en: 'Overall, how satisfied are you with the station’s services?' }],
];

const YES_NO: [string, Text][] = [
  ['yes', { zh: '知道', en: 'Yes' }],
  ['no', { zh: '不知道', en: 'No' }],
];

/** 社工站服务对象满意度调查: the built-in template, in Chinese or English. */
export function stationSatisfactionTemplate(locale: 'zh-CN' | 'en'): SurveyTemplate {
  const questions: Question[] = [
    choice(
      'category',
      { zh: '您属于以下哪一类服务对象？', en: 'Which group of service recipients do you belong to?' },
      [
        ['tekun', { zh: '特困人员', en: 'Person in extreme poverty (特困)' }],
        ['dibao', { zh: '低保/低保边缘家庭', en: 'Minimum-living-allowance or near-allowance household' }],
        ['elderly', { zh: '高龄/空巢/留守老人', en: 'Very old, empty-nest or left-behind elderly person' }],
        ['child', { zh: '困境/留守儿童', en: 'Child in difficulty or left-behind child' }],
        ['orphan', { zh: '孤儿/事实无人抚养儿童', en: 'Orphan or de-facto unsupported child' }],
        ['disabled', { zh: '残疾人', en: 'Person with a disability' }],
        ['temporary', { zh: '临时救助对象', en: 'Recipient of temporary assistance' }],
        ['other', { zh: '其他居民', en: 'Other resident' }],
      ],
      locale,
    ),
    choice(
      'age',
      { zh: '您的年龄段', en: 'Your age group' },
      [
        ['u18', { zh: '18 岁以下（可由监护人代答）', en: 'Under 18 (a guardian may answer)' }],
        ['18_59', { zh: '18–59 岁', en: '18–59' }],
        ['60_69', { zh: '60–69 岁', en: '60–69' }],
        ['70_79', { zh: '70–79 岁', en: '70–79' }],
        ['80p', { zh: '80 岁及以上', en: '80 or older' }],
      ],
      locale,
      { required: false },
    ),
    {
      ...choice(
        'received',
        { zh: '您是通过什么方式接受服务的？（可多选）', en: 'How did you receive the service? (choose all that apply)' },
        [
          ['visit', { zh: '到社工站', en: 'At the station' }],
          ['home', { zh: '社工上门', en: 'Home visit' }],
          ['phone', { zh: '电话', en: 'By phone' }],
          ['event', { zh: '参加活动', en: 'At an activity' }],
        ],
        locale,
        { required: false },
      ),
      type: 'multi',
    },
    ...TEMPLATE_DIMENSIONS.map(([id, dim, text]) => likert(id, dim, text, locale)),
    choice('know_address', { zh: '您知道本社工站在哪里吗？', en: 'Do you know where this station is?' }, YES_NO, locale, { dimension: 'awareness', required: false }),
    choice(
      'know_services',
      { zh: '您了解社工站能提供哪些服务吗？', en: 'Do you know which services the station offers?' },
      [
        ['yes', { zh: '了解', en: 'Yes' }],
        ['partly', { zh: '了解一部分', en: 'Partly' }],
        ['no', { zh: '不了解', en: 'No' }],
      ],
      locale,
      { dimension: 'awareness', required: false },
    ),
    choice(
      'know_worker',
      { zh: '您认识为您服务的社工吗？', en: 'Do you know the social worker who serves you?' },
      [
        ['yes', { zh: '认识', en: 'Yes' }],
        ['no', { zh: '不认识', en: 'No' }],
      ],
      locale,
      { dimension: 'awareness', required: false },
    ),
    choice('know_help', { zh: '遇到困难时，您知道怎样向社工站求助吗？', en: 'If you are in difficulty, do you know how to ask the station for help?' }, YES_NO, locale, {
      dimension: 'awareness',
      required: false,
    }),
    {
      id: 'suggestions',
      type: 'text',
      text: locale === 'en' ? 'Any comments or suggestions for the station?' : '您对社工站的服务有什么意见或建议？',
      help: locale === 'en' ? 'Optional. Please do not write names or phone numbers.' : '选填。请不要填写姓名、电话等个人信息。',
      required: false,
      options: [],
      dimension: null,
      countsTowardSatisfaction: false,
      allowNotApplicable: false,
      notApplicableLabel: '',
      min: null,
      max: null,
      maxLength: 500,
    },
  ];
  return {
    title: locale === 'en' ? 'Satisfaction survey of social-work station service recipients' : '社工站服务对象满意度调查',
    description:
      locale === 'en'
        ? 'This anonymous survey asks how satisfied you are with the social-work station’s services. It takes about two minutes. Your answers are used only to evaluate and improve the service.'
        : '本问卷不记名，了解您对社工站服务的满意程度，大约需要两分钟。您的回答只用于评价和改进服务，谢谢您的支持！',
    questions,
    segmentQuestionId: 'category',
    settings: defaultSettings(),
    locale,
  };
}
