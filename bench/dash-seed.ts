/** Seeds `n` responses with their tallies into DATA folder `dir` and keeps it (dashboard measurements at 1M without reseeding). */
import { seedBulk } from './seed';

async function main() {
  const [dir, n] = [process.argv[2]!, Number(process.argv[3])];
  const t0 = Date.now();
  const s = await seedBulk(n, { dir });
  console.log(JSON.stringify({ dir, n, surveyId: s.surveyId, seconds: (Date.now() - t0) / 1000 }));
  await s.close();
}
void main();
