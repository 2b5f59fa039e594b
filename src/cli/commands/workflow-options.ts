import type { BadFilePolicy, WorkflowOptions } from '../../index.js';
import type { CommandContext } from '../command-context.js';

/** The options every workflow takes, from the context (home, signal, progress) and the data-policy flags. */
export function workflowOptions(ctx: CommandContext, flags: { noCache?: boolean; onBadFile?: BadFilePolicy } = {}): WorkflowOptions {
  const options: WorkflowOptions = { signal: ctx.signal, onProgress: ctx.onProgress };
  if (ctx.home !== undefined) options.home = ctx.home;
  if (flags.noCache) options.cache = false;
  if (flags.onBadFile !== undefined) options.onBadFile = flags.onBadFile;
  return options;
}
