import request from 'supertest';
import { createApiToken } from '../../server/services/tokens';
import { REFERENCE_FACTS } from '../../server/services/reference-report';
import { addUser, csrfFrom, loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { layOut, readDocx } from '../helpers/docx';
import { enterReference, postFacts } from '../helpers/report';

/** Binary bodies (the .docx) collected into a Buffer. */
const binary = (res: NodeJS.ReadableStream & { setEncoding(e: string): void }, done: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

const REFERENCE_HEADINGS = ['一、项目基本情况', '二、部门绩效目标', '三、评价基本情况', '四、评价结论和绩效分析', '五、存在问题', '六、有关对策建议', '七、其他需要说明的事项'];
/** The reference's figures: 资金情况 in section 一, 综合评价结论 and 绩效分析 in section 四. */
const FUNDING_FIGURES = ['189', '0', '60', '139', '110.5', '50.5', '104.476', '7', '94.55%'];
const CONCLUSION_FIGURES = ['80.15 分', '良', '95.00%', '96.47%', '75.88%', '69.71%', '80.15%'];
const SYSTEM_SENTENCE = '一级指标4个、二级指标11个、三级指标36个，决策等四个一级指标占比分别为15%、17%、34%、34%';

/** Where each string first occurs at or after `from`; -1 when it does not. */
function inOrder(text: string, items: readonly string[]): number[] {
  let at = 0;
  return items.map((item) => {
    const found = text.indexOf(item, at);
    if (found >= 0) at = found + item.length;
    return found;
  });
}

describe('the evaluation report (绩效评价报告)', () => {
  let t: TestApp;
  let token: string;
  let agent: ReturnType<typeof request.agent>;

  beforeEach(async () => {
    t = await makeTestApp();
    const evaluator = await addUser(t, 'pingjia', 'evaluator');
    token = (await createApiToken(t.deps, evaluator, { scope: 'write' })).token;
    ({ agent } = await loginAs(t, 'evaluator'));
  });
  afterEach(async () => {
    await t.close();
  });

  const docx = async (id: string) => (await agent.get(`/admin/evaluations/${id}/report.docx`).buffer(true).parse(binary).expect(200)).body as Buffer;

  it('reproduces the reference as Word: the seven headings in order, every figure, the 指标体系 sentence, the 8 problems and 8 suggestions, and exactly two 核对提示', async () => {
    const id = await enterReference(t, agent, token);
    const res = await agent.get(`/admin/evaluations/${id}/report.docx`).buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename=.*\.docx/);
    const doc = await readDocx(res.body as Buffer);

    for (const text of [doc.text, doc.paragraphs.join('\n')]) {
      const headings = inOrder(text, REFERENCE_HEADINGS);
      expect(headings.every((p) => p >= 0)).toBe(true);
      // Every figure of the reference, each a table cell (a paragraph of its own) in its section.
      const cells = (from: number, to: number) => new Set(text.slice(from, to).split('\n').map((l) => l.trim()));
      const one = cells(headings[0]!, headings[1]!);
      const four = cells(headings[3]!, headings[4]!);
      expect(FUNDING_FIGURES.filter((f) => !one.has(f))).toEqual([]);
      expect(CONCLUSION_FIGURES.filter((f) => !four.has(f))).toEqual([]);
      expect(text).toContain(SYSTEM_SENTENCE);
      const problems = text.slice(headings[4]!, headings[5]);
      const suggestions = text.slice(headings[5]!, headings[6]);
      REFERENCE_FACTS.problems.forEach((p, i) => expect(problems).toContain(`${i + 1}. ${p.text}`));
      REFERENCE_FACTS.suggestions.forEach((s, i) => expect(suggestions).toContain(`${i + 1}. ${s.text}`));
      expect(problems.match(/^\d+\. /gm)).toHaveLength(8);
      expect(suggestions.match(/^\d+\. /gm)).toHaveLength(8);
      const checks = text.split('\n').filter((l) => l.includes('核对提示'));
      expect(checks).toHaveLength(2);
      expect(checks[0]).toContain('60 + 139 = 199 ≠ 189');
      expect(checks[1]).toContain('110.5 − 104.476 = 6.024 ≠ 7');
    }
    // The headings are Word headings (黑体 level 1), found as such, in order.
    expect(doc.headings.filter((h) => h.style === 'Heading1').map((h) => h.text)).toEqual([...REFERENCE_HEADINGS, '附件1 指标体系及评分表']);
    // The 资金情况 and 综合评价结论 cells hold the reference's figures, cell by cell.
    const basics = layOut(doc.tables[0]!).grid;
    expect(basics[5]).toEqual(['资金情况（万元）', '预算安排资金', '189', '实际到位资金', '110.5']);
    expect(basics[10]).toEqual(['资金情况（万元）', '预算执行率', '94.55%', '94.55%', '94.55%']);
    const conclusion = layOut(doc.tables.find((tb) => tb.rows[0]![0]!.text === '综合评价结论')!).grid;
    expect(conclusion).toEqual([
      ['综合评价结论', '评价得分', '评价得分', '80.15 分', '评价等级', '评价等级', '良'],
      ['绩效分析', '指标', '决策', '过程', '产出', '效益', '合计'],
      ['绩效分析', '得分率', '95.00%', '96.47%', '75.88%', '69.71%', '80.15%'],
    ]);
  });
});
