// Undo steps for the benchmark's run, registered as it creates things and run once at the end,
// whether the run finished, failed or was interrupted.
export class Cleanup {
  private readonly steps: { what: string; run: () => Promise<void> }[] = [];
  private done: Promise<void> | undefined;

  push(what: string, run: () => Promise<void>): void {
    this.steps.push({ what, run });
  }

  /** Runs every step once, last pushed first; a failing step is reported and the rest still run. */
  run(): Promise<void> {
    this.done ??= (async () => {
      for (const step of [...this.steps].reverse()) {
        try {
          await step.run();
        } catch (error) {
          console.error(
            `cleanup: ${step.what} failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
    })();
    return this.done;
  }
}
