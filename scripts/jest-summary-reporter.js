'use strict';
// Prints one plain closing line, `tests: N passed, N failed, N skipped`, after jest's own summary,
// so that any tool reading the end of the log sees the counts in a runner-neutral form.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`\ntests: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
module.exports = SummaryReporter;
