import type { CommandSpec } from '../command-spec.js';
import { demoCommand } from './demo.js';
import { evalCommand } from './eval.js';
import { exportCommand } from './export.js';
import { predictCommand } from './predict.js';
import { trainCommand } from './train.js';
import { zooAddCommand } from './zoo-add.js';
import { zooLayersCommand } from './zoo-layers.js';
import { zooListCommand } from './zoo-list.js';
import { zooShowCommand } from './zoo-show.js';

/** Every command, in the order `headstart --help` lists them. A name with a space is a group and its subcommand. */
export const COMMANDS: readonly CommandSpec[] = [
  demoCommand,
  trainCommand,
  evalCommand,
  predictCommand,
  exportCommand,
  zooListCommand,
  zooShowCommand,
  zooLayersCommand,
  zooAddCommand,
];
