import type { CommandSpec } from '../command-spec.js';
import { adaptCommand } from './adapt.js';
import { compareCommand } from './compare.js';
import { dataMnistCommand } from './data-mnist.js';
import { demoCommand } from './demo.js';
import { demoSim2RealCommand } from './demo-sim2real.js';
import { demoSpeakersCommand } from './demo-speakers.js';
import { demoSentimentCommand } from './demo-sentiment.js';
import { evalCommand } from './eval.js';
import { extractCommand } from './extract.js';
import { exportCommand } from './export.js';
import { lrFindCommand } from './lr-find.js';
import { predictCommand } from './predict.js';
import { pretrainCommand } from './pretrain.js';
import { rankCommand } from './rank.js';
import { shiftCommand } from './shift.js';
import { studioCommand } from './studio.js';
import { synthDigitsCommand } from './synth-digits.js';
import { synthSpeechCommand } from './synth-speech.js';
import { trainCommand } from './train.js';
import { updateCommand } from './update.js';
import { benchmarkContinualCommand } from './benchmark-continual.js';
import { workerCommand } from './worker.js';
import { zooAddCommand } from './zoo-add.js';
import { zooLayersCommand } from './zoo-layers.js';
import { zooListCommand } from './zoo-list.js';
import { zooShowCommand } from './zoo-show.js';

/** Every command, in the order `headstart --help` lists them. A name with a space is a group and its subcommand. */
export const COMMANDS: readonly CommandSpec[] = [
  demoCommand,
  demoSim2RealCommand,
  demoSpeakersCommand,
  demoSentimentCommand,
  trainCommand,
  lrFindCommand,
  evalCommand,
  predictCommand,
  exportCommand,
  updateCommand,
  pretrainCommand,
  rankCommand,
  shiftCommand,
  compareCommand,
  benchmarkContinualCommand,
  adaptCommand,
  zooListCommand,
  zooShowCommand,
  zooLayersCommand,
  zooAddCommand,
  studioCommand,
  synthDigitsCommand,
  synthSpeechCommand,
  dataMnistCommand,
  extractCommand,
  workerCommand,
];
