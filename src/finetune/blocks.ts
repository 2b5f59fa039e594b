import { HeadstartError, invalidOption } from '../core/index.js';
import type { ParameterGroup } from '../engines/index.js';

/** Where a network splits into a frozen trunk and a trainable top, and the top's parameter groups. */
export interface TopSplit {
  /** The layer whose output is the top's input: the trunk ends here. */
  boundary: string;
  /** One group per block (or part of a block) between the boundary and the cut, bottom to top, named after the block. */
  groups: ParameterGroup[];
}

/**
 * Splits a network for fine-tuning. `layers` lists every layer in graph order; `blocks` names each block's output
 * layer, bottom to top (the model card's `blocks`). `unfreeze` is a count of blocks ending at the cut (a block the cut
 * falls inside counts as one), or the name of the layer after which everything trains.
 */
export function splitAtBlocks(layers: readonly string[], blocks: readonly string[], cut: string, unfreeze: number | string): TopSplit {
  const index = (name: string, what: string): number => {
    const i = layers.indexOf(name);
    if (i < 0) throw new HeadstartError('HS_LAYER_NOT_FOUND', `The ${what} '${name}' is not a layer of the backbone. Run 'headstart zoo layers <id>' to list them.`);
    return i;
  };
  const cutIndex = index(cut, 'cut');
  const outputs = blocks.map((b) => index(b, 'block output'));
  let boundaryIndex: number;
  if (typeof unfreeze === 'number') {
    if (!Number.isInteger(unfreeze) || unfreeze < 1) throw invalidOption(`Expected unfreeze to be a positive number of blocks or a layer name. Received: ${String(unfreeze)}.`);
    // The block holding the cut: the first whose output is at or above it.
    const containing = outputs.findIndex((o) => o >= cutIndex);
    const k = containing < 0 ? outputs.length : containing;
    const below = k - unfreeze;
    if (below < 0) {
      throw invalidOption(`Cannot unfreeze ${unfreeze} blocks: the backbone has ${k + 1} blocks up to the cut '${cut}'. Pass unfreeze ${k} or fewer.`);
    }
    boundaryIndex = outputs[below] as number;
  } else {
    boundaryIndex = index(unfreeze, 'unfreeze layer');
    if (boundaryIndex >= cutIndex) throw invalidOption(`unfreeze names '${unfreeze}', which is not below the cut '${cut}': name a layer under the cut.`);
  }
  const groups: ParameterGroup[] = [];
  for (let i = boundaryIndex + 1; i <= cutIndex; i++) {
    const block = outputs.findIndex((o) => o >= i);
    const name = block < 0 ? 'top' : (blocks[block] as string);
    const last = groups[groups.length - 1];
    if (last?.name === name) last.layers.push(layers[i] as string);
    else groups.push({ name, layers: [layers[i] as string] });
  }
  return { boundary: layers[boundaryIndex] as string, groups };
}
