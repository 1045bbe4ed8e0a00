/** Input normalisation (characters that are never stored) and the honeypot and cleaned flags. */
export const zh = {
  'field.badCharacter': '含有不能保存的字符 {char}（看不见的控制字符、无效字符或改变文字方向的字符，常见于从其他软件复制的文字），请删除后再保存。',
  'field.singleLine': '只能写一行，请删除其中的换行或制表符。',
  'flag.honeypot': '填写了隐藏的防机器人栏',
  'flag.cleaned': '已删除不可见字符',
  'flagHelp.honeypot':
    '问卷里有一栏是人看不到的（用来识别自动提交程序），这份答卷填写了它，通常是机器人提交的。这类答卷已保存，但总是不计入有效数；如果核实确实是居民本人作答，可以“确认有效”。',
  'flagHelp.cleaned': '文字回答里有看不见的控制字符等不能保存的字符（常见于从其他应用粘贴），保存时已删除，其余文字原样保存。这个标记只作提示，不影响计入。',
  'review.ruleAlways': '总是不计入（与问卷的质量规则无关）',
  'review.ruleNever': '仅作提示，不影响计入',
  'status.notCountedAlways': '不计入：{flags}（这类答卷总是不计入，除非人工确认有效）',
  'cli.badCharacter': '选项 --{name} 含有不能使用的字符 {char}（控制字符、无效字符或改变文字方向的字符）',
};

export const en: Record<keyof typeof zh, string> = {
  'field.badCharacter':
    'Contains a character that cannot be stored, {char} (an invisible control character, an invalid character or a text-direction override, common in text copied from other programs). Remove it and save again.',
  'field.singleLine': 'Must be a single line: remove the line break or tab.',
  'flag.honeypot': 'Hidden anti-bot field filled',
  'flag.cleaned': 'Invisible characters removed',
  'flagHelp.honeypot':
    'The questionnaire has a field people cannot see (it catches automated submissions); this response filled it in, which is usually a bot. Such responses are stored but never counted as valid; if you have checked that a resident really answered, you can keep it.',
  'flagHelp.cleaned':
    'A text answer held characters that cannot be stored (invisible control characters and the like, common when pasting from other apps); they were removed and the rest of the text was stored as typed. This flag is a note only and does not affect counting.',
  'review.ruleAlways': 'Never counted, whatever the survey’s quality rules',
  'review.ruleNever': 'A note only: does not affect counting',
  'status.notCountedAlways': 'Not counted: {flags} (such responses never count unless a person keeps them)',
  'cli.badCharacter': 'option --{name} holds a character that cannot be used, {char} (a control, invalid or text-direction character)',
};
