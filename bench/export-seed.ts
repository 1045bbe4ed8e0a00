/**
 * A data folder holding `n` responses (template survey, 20 stations, direct SQL): what the export
 * benchmark at 1M reads. With `copies` > 1, the survey's questions (but the segment question) are
 * repeated that many times under new ids before seeding, for a wider table (4: 53 questions).
 */
import { preseedResponses, seedBulk } from './seed';

async function main() {
  const [dir, n, copies] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4] ?? 1)];
  const s = await seedBulk(0, { dir });
  let survey = (await s.store.surveys.get(s.surveyId))!;
  if (copies > 1) {
    const questions = [...survey.questions];
    for (let k = 2; k <= copies; k++) {
      for (const q of survey.questions) if (q.id !== survey.segmentQuestionId) questions.push({ ...q, id: `${q.id}_${k}`, text: `${q.text}（${k}）` });
    }
    survey = (await s.store.surveys.update(s.surveyId, { questions }))!;
  }
  const pubs = await s.store.publications.listBySurvey(s.surveyId);
  preseedResponses(s.store.db, survey, pubs, n);
  await s.close();
}
void main();
