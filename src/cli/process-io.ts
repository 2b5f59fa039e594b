import { format } from 'node:util';
import type { CliIo } from './command-context.js';
import { debugRequested, EXIT, reportError } from './errors.js';

/**
 * The real process as a CliIo: Ctrl-C aborts the running job (a second Ctrl-C quits at once), console output from
 * dependencies is kept off stdout (which belongs to the result, and with --json to one JSON document), and a closed
 * pipe (`| head`) ends the process quietly. `dispose()` removes the handlers so the process can exit.
 */
export function createProcessIo(): { io: CliIo; dispose(): void } {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    process.stderr.write('\ninterrupted: stopping at the next batch (press Ctrl-C again to quit at once)\n');
    controller.abort(new Error('interrupted by the user (SIGINT)'));
  };
  const toStderr = (...args: unknown[]) => {
    process.stderr.write(`${format(...args)}\n`);
  };
  const onStdoutError = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
    throw err;
  };
  // An error that escapes every await (a dependency's callback, a stray promise) still gets the one-line report.
  const onEscaped = (err: unknown) => {
    process.exit(reportError(err, process.stderr, { debug: debugRequested(process.env) }));
  };
  process.on('uncaughtException', onEscaped);
  process.on('unhandledRejection', onEscaped);
  process.on('SIGINT', onSigint);
  process.stdout.on('error', onStdoutError);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  return {
    io: { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal },
    dispose: () => {
      process.off('SIGINT', onSigint);
    },
  };
}
