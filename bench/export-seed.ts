/** A data folder holding `n` responses (template survey, 20 stations, direct SQL): what the export benchmark at 1M reads. */
import { preseedResponses, seedBulk } from './seed';

async function main() {
  const [dir, n] = [process.argv[2]!, Number(process.argv[3])];
  const s = await seedBulk(0, { dir });
  const survey = await s.store.surveys.get(s.surveyId);
  const pubs = await s.store.publications.listBySurvey(s.surveyId);
  preseedResponses(s.store.db, survey!, pubs, n);
  await s.close();
}
void main();
