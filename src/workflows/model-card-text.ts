import type { ModelCard, TextModelCard } from '../zoo/index.js';
import type { ClassificationMetrics } from '../evaluate/index.js';
import type { ModelManifest } from './model-manifest.js';

/**
 * A name from the user's data (a label, a column, a path) as literal Markdown text: Markdown's punctuation is
 * backslash-escaped, HTML-significant characters become entities, and control characters (terminal escapes) are
 * shown as `\xNN`, so a label can neither format the card nor inject markup or escape codes.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
    .replace(/[\\`*_{}[\]()#+\-.!|~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

const pct = (x: number | undefined) => (x === undefined ? 'n/a' : `${(x * 100).toFixed(1)}%`);

/** "84.4% (95% CI 79.4-88.4%, n=250)"; older manifests' metrics have no interval. */
function accuracyText(m: ClassificationMetrics | undefined): string {
  if (!m) return 'n/a';
  const ci = (m as Partial<ClassificationMetrics>).accuracyInterval;
  return ci ? `${pct(m.accuracy)} (95% CI ${pct(ci.low)}-${pct(ci.high)}, n=${m.n})` : `${pct(m.accuracy)} (n=${m.n})`;
}

/** The transfer-versus-baseline lines and, for text, how the features were chosen. */
function comparisonLines(manifest: ModelManifest): string[] {
  const t = manifest.transfer;
  const lines: string[] = [];
  if (t) {
    lines.push(`- ${t.summary}`);
    lines.push(`- Saved: the ${t.kept === 'baseline' ? `no-transfer baseline (${t.baseline.description})` : `transfer model (${t.transfer.description})`}.`);
  }
  if (manifest.modality === 'text' && manifest.backboneChoice) lines.push(`- Features: ${manifest.backboneChoice.reason}`);
  return lines;
}

/** The backbone section: image backbones with their cut and preprocessing, text backbones with pooling and vocabulary. */
function backboneLines(manifest: ModelManifest, backbone: ModelCard | TextModelCard): string[] {
  const common = [`- Weights: ${backbone.weightsSource} (sha256 ${manifest.backbone.weightsSha256.slice(0, 16)}…)`, `- Trained on: ${backbone.trainedOn}`];
  if (manifest.modality === 'text' && backbone.modality === 'text') {
    return [
      `- ${backbone.name} (\`${backbone.id}\`), ${backbone.kind}, ${manifest.backbone.pooling} pooling, ${backbone.embeddingSize}-d sentence vectors`,
      ...common,
      `- Tokenizer: ${backbone.tokenizer}`,
      `- Words of the training data unknown to it: ${pct(manifest.text.oovRate)}`,
      `- Licence: ${backbone.licence}`,
      `- Input: the ${escapeMarkdown(manifest.text.textColumn)} column of a table (label column ${escapeMarkdown(manifest.text.labelColumn)}), or one sentence per prediction`,
    ];
  }
  if (manifest.modality === 'text' || backbone.modality === 'text') throw new Error(`model card of a ${manifest.modality} model given a ${backbone.modality} backbone card`);
  const choice = manifest.backboneChoice;
  return [
    `- ${backbone.name} (\`${backbone.id}\`), cut at \`${manifest.backbone.cut}\`, ${manifest.backbone.pooling} pooling`,
    ...(manifest.extraBackbones ?? []).map((b) => `- Concatenated with \`${b.id}\` (cut at \`${b.cut}\`); each backbone's features are L2-normalised first`),
    ...(manifest.tta ? [`- Test-time augmentation: ${manifest.tta} (features of each image and its mirror, averaged)`] : []),
    ...(choice
      ? [
          `- Chosen automatically (\`--backbone auto\`): ${choice.reason}. LogME on the training images: ` +
            choice.ranking.map((r) => `${r.backbone} ${r.logme.toFixed(3)}`).join(', '),
        ]
      : []),
    ...common,
    `- Pretrained layers: ${backbone.pretrainedLayers}`,
    `- Licence: ${backbone.licence}`,
    `- Input: ${manifest.input.width}x${manifest.input.height} ${manifest.input.channelOrder}, ${manifest.input.resize}, ` +
      `mean ${manifest.input.mean.join('/')}, std ${manifest.input.std.join('/')}`,
  ];
}

/** The human-readable card.md of a trained model: what it is, what it was trained on, how well it did. */
export function renderModelCardText(manifest: ModelManifest, backbone: ModelCard | TextModelCard): string {
  const t = manifest.training;
  const text = manifest.modality === 'text';
  const unit = text ? 'sentences' : 'images';
  const lines = [
    `# Model card: ${manifest.head.kind} head on ${backbone.id}`,
    '',
    `Trained by headstart on ${manifest.createdAt}.`,
    '',
    '## Task',
    `- Classes (${manifest.labels.length}): ${manifest.labels.map(escapeMarkdown).join(', ')}`,
    `- Training data: ${escapeMarkdown(t.data)} (${t.counts.train} train, ${t.counts.val} validation, ${t.counts.test} test ${unit}; validation: ${t.val})`,
    `- ${text ? 'Sentences' : 'Images'} per class: ${Object.entries(t.perClass).map(([k, v]) => `${escapeMarkdown(k)} ${v}`).join(', ')}`,
    '',
    '## Results',
    `- Validation accuracy: ${accuracyText(manifest.metrics.val)}, macro-F1: ${pct(manifest.metrics.val?.macroF1)}`,
    `- Test accuracy: ${accuracyText(manifest.metrics.test)}, macro-F1: ${pct(manifest.metrics.test?.macroF1)}`,
    ...comparisonLines(manifest),
    t.crossValidation
      ? `- Head: logistic regression, L2 ${t.crossValidation.l2}${t.crossValidation.folds > 0 ? ` chosen by ${t.crossValidation.folds}-fold cross-validation on train + validation (the validation figures are out-of-fold estimates)` : ' as given'}; seed ${t.seed}.`
      : `- Head trained for ${t.history.length} epochs${t.stoppedReason ? ` (stopped early: ${t.stoppedReason})` : ''}; seed ${t.seed}.`,
    '',
    '## Backbone (frozen)',
    ...backboneLines(manifest, backbone),
    '',
    '## Limits',
    text
      ? '- Accuracy was measured on a held-out part of the same data; text from another source (other products, another register or vocabulary) may score lower.'
      : '- Accuracy was measured on a held-out part of the same data; images from another source (camera, lighting, style) may score lower.',
    `- The head saw only the classes above: any ${text ? 'sentence' : 'image'} is assigned to one of them, however unlike them it is.`,
    '',
  ];
  return lines.join('\n');
}
