import { en } from '../../server/i18n/en';
import { zhCN } from '../../server/i18n/zh-CN';
import { chooseLocale, translate } from '../../server/i18n';

describe('i18n', () => {
  it('has the same keys in both catalogs, none empty', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zhCN).sort());
    for (const [k, v] of Object.entries(en)) expect(`${k}=${v.trim()}`).not.toBe(`${k}=`);
  });

  it('uses the same placeholders in both languages', () => {
    const names = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort().join();
    for (const k of Object.keys(zhCN) as (keyof typeof zhCN)[]) expect(`${k}:${names(en[k])}`).toBe(`${k}:${names(zhCN[k])}`);
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate('zh-CN', 'field.range', { min: 1, max: 5 })).toBe('请输入 1 到 5 之间的数。');
    expect(translate('en', 'field.range', { min: 1 })).toBe('Enter a number from 1 to {max}.');
  });

  it('chooses ?lang= over the cookie over Accept-Language over the default', () => {
    expect(chooseLocale('en', 'zh-CN', 'zh-CN', 'zh-CN')).toBe('en');
    expect(chooseLocale(undefined, 'en', 'zh-CN', 'zh-CN')).toBe('en');
    expect(chooseLocale('xx', undefined, 'en-US', 'zh-CN')).toBe('en');
    expect(chooseLocale(undefined, undefined, 'zh', 'en')).toBe('zh-CN');
    expect(chooseLocale(undefined, 'fr', false, 'zh-CN')).toBe('zh-CN');
  });
});
