/**
 * The command lines README.md shows in its "Command line" section, exactly as written there (ID
 * stands for a survey's ID). cli-commands.test.ts fails when the README shows a line that is not
 * here or this list holds one the README lacks, and runs every one of them as a subprocess.
 */
export const README_COMMANDS = {
  createEvaluator: 'npm run cli -- create-user --username wang --role evaluator',
  createStation: 'npm run cli -- create-user --username zhan1 --role station --sites JYG01,JYG02',
  createToken: 'npm run cli -- create-token --username wang --scope read',
  resetPassword: 'npm run cli -- reset-password --username wang',
  checkDb: 'npm run cli -- check-db',
  rebuildAll: 'npm run cli -- rebuild-tallies',
  rebuildOne: 'npm run cli -- rebuild-tallies --survey ID',
  exportCsv: 'npm run cli -- export --survey ID --format csv --out responses.csv',
  seedDemo: 'npm run cli -- seed-demo',
  help: 'npm run cli -- help',
} as const;

/** The `npm run cli --` lines inside the markdown's code blocks, without trailing `# comments`. */
export function cliLinesOf(markdown: string): string[] {
  const lines: string[] = [];
  let inCode = false;
  for (const raw of markdown.split('\n')) {
    if (raw.trimStart().startsWith('```')) {
      inCode = !inCode;
      continue;
    }
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (inCode && line.startsWith('npm run cli --')) lines.push(line);
  }
  return lines;
}
