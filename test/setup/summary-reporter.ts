import type { Reporter, SerializedError, TestModule, TestRunEndReason, TestSuite } from 'vitest/node';

/**
 * Prints the plain closing line CI reads: "N passed, N failed" (", N skipped" when any).
 * A test that failed counts once; so does every file or suite that failed without a failed
 * test in it (a throwing or timed-out hook, a collection error), every unhandled error, and an
 * interrupted run: a red run can never close on "0 failed".
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, reason: TestRunEndReason): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const failedWithoutFailedTest = (entity: TestModule | TestSuite) =>
      entity.state() === 'failed' && ![...entity.children.allTests()].some((test) => test.result().state === 'failed');
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
      // A failing hook fails its suite and the file: count the suites, or the file when no suite says why.
      const brokenSuites = [...module.children.allSuites()].filter(failedWithoutFailedTest).length;
      failed += brokenSuites > 0 ? brokenSuites : failedWithoutFailedTest(module) || module.errors().length > 0 ? 1 : 0;
    }
    failed += unhandledErrors.length;
    if (reason === 'interrupted') failed += 1;
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}\n`);
  }
}
