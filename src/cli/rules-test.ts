import { runRuleUnitTests } from '../alerting/prom-rules/unit-tests.js';

/**
 * `npm run rules:test -- <file>…`: `promtool test rules` unit-test files run on the service's own PromQL
 * engine and rule evaluation. Exit 0 when every test passes, 1 when one fails, 2 on a file it cannot read.
 */
async function main(files: readonly string[]): Promise<number> {
  if (files.length === 0) {
    process.stderr.write('usage: npm run rules:test -- <test-file.yml>…\n');
    return 2;
  }
  let failed = false;
  for (const file of files) {
    process.stdout.write(`Unit Testing:  ${file}\n`);
    try {
      const report = await runRuleUnitTests(file);
      if (report.failures.length === 0) {
        process.stdout.write(`  SUCCESS (${String(report.tests)} tests)\n\n`);
        continue;
      }
      failed = true;
      process.stdout.write(`  FAILED:\n${report.failures.map((f) => `    ${f}`).join('\n')}\n\n`);
    } catch (error) {
      process.stderr.write(`  ERROR: ${(error as Error).message}\n`);
      return 2;
    }
  }
  return failed ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
