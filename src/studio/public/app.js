// headstart studio page: plain ES module, no build step. Every server string reaches the page through textContent
// (or the report renderers' escaped SVG), never through innerHTML of user text.

const $ = (selector) => document.querySelector(selector);
let state;
let model;
let stream;
let recording;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
}

function message(text, kind = 'error') {
  const item = el('div', { class: `message ${kind}` }, el('span', {}, text), el('button', { type: 'button', 'aria-label': 'Dismiss', onclick: () => item.remove() }, '×'));
  $('#messages').append(item);
}

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: 'same-origin', ...options });
  const body = await response.json().catch(() => ({ error: `The server answered ${response.status}.` }));
  if (!response.ok) throw new Error(body.error ?? `The server answered ${response.status}.`);
  return body;
}

const postJson = (path, value) => api(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) });
const percent = (x) => `${(x * 100).toFixed(1)}%`;
const fileUrl = (label, name) => `/files/classes/${encodeURIComponent(label)}/${encodeURIComponent(name)}`;
const isImage = () => state.project?.modality === 'image';

async function refresh() {
  state = await api('/api/state');
  render();
}

function render() {
  const project = state.project;
  $('#new-project').hidden = project !== null;
  $('#workspace').hidden = project === null;
  $('#project-title').textContent = project ? `${project.name} · ${project.modality} project · ${state.projectDir}` : state.projectDir;
  if (!project) return;
  for (const node of document.querySelectorAll('.image-only')) node.hidden = !isImage();
  for (const node of document.querySelectorAll('.text-only')) node.hidden = isImage();
  renderClasses();
  renderTrainOptions();
  $('#test').hidden = !state.trained;
  $('#export').hidden = !state.trained || !isImage();
}

function renderClasses() {
  const cameraClass = $('#camera-class');
  const chosen = cameraClass.value;
  cameraClass.replaceChildren(...state.classes.map((c) => el('option', { value: c.label }, c.label)));
  if (state.classes.some((c) => c.label === chosen)) cameraClass.value = chosen;
  $('#classes').replaceChildren(...state.classes.map(classCard));
}

function classCard(c) {
  const count = c.examples.length;
  const card = el('section', { class: 'class', dataset: { label: c.label }, 'aria-label': `Class ${c.label}` });
  const renameInput = el('input', { class: 'rename-input', 'aria-label': `New name for ${c.label}`, value: c.label, maxlength: '64' });
  card.append(
    el('div', { class: 'class-head' },
      el('h3', {}, c.label),
      el('span', { class: 'count' }, `${count} ${count === 1 ? 'example' : 'examples'}`),
      el('form', { class: 'row rename', onsubmit: (e) => { e.preventDefault(); renameClass(c.label, renameInput.value); } }, renameInput, el('button', { type: 'submit', class: 'secondary' }, 'Rename')),
      count === 0 ? el('button', { type: 'button', class: 'secondary', onclick: () => deleteClass(c.label) }, 'Delete class') : null,
    ),
  );
  if (isImage()) {
    const input = el('input', { type: 'file', multiple: '', accept: 'image/*', class: 'upload', 'aria-label': `Add images to ${c.label}` });
    input.addEventListener('change', () => uploadFiles(c.label, [...input.files]).then(() => { input.value = ''; }));
    card.append(el('div', { class: 'drop-zone' }, 'Drop images or folders here, or ', el('label', {}, 'choose files', input)));
    card.addEventListener('dragover', (e) => { e.preventDefault(); card.classList.add('drop-target'); });
    card.addEventListener('dragleave', () => card.classList.remove('drop-target'));
    card.addEventListener('drop', async (e) => {
      e.preventDefault();
      card.classList.remove('drop-target');
      uploadFiles(c.label, await droppedFiles(e.dataTransfer));
    });
    card.append(el('div', { class: 'thumbs' }, ...c.examples.map((name) =>
      el('figure', { class: 'thumb' },
        el('img', { src: fileUrl(c.label, name), alt: name, loading: 'lazy', title: name }),
        el('button', { type: 'button', class: 'delete', 'aria-label': `Delete ${name}`, onclick: () => deleteExample(c.label, name) }, '×')),
    )));
  } else {
    const area = el('textarea', { rows: '3', cols: '50', class: 'paste', 'aria-label': `Examples for ${c.label}, one per line` });
    card.append(
      el('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); addTexts(c.label, area); } }, el('label', {}, 'Paste examples, one per line', area), el('button', { type: 'submit' }, 'Add lines')),
      el('ul', { class: 'texts' }, ...(c.texts ?? []).map((t) =>
        el('li', {}, el('span', {}, t.text), el('button', { type: 'button', class: 'delete', 'aria-label': `Delete ${t.text}`, onclick: () => deleteExample(c.label, t.name) }, '×')))),
    );
  }
  return card;
}

/** Files of a drop, folders walked recursively (a whole folder of photos can be dropped on a class). */
async function droppedFiles(transfer) {
  const entries = [...transfer.items].map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
  if (entries.length === 0) return [...transfer.files];
  const files = [];
  async function walk(entry) {
    if (entry.isFile) files.push(await new Promise((resolve, reject) => entry.file(resolve, reject)));
    else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child);
      }
    }
  }
  for (const entry of entries) await walk(entry);
  return files;
}

async function uploadFiles(label, files) {
  const limit = state.limits.maxUploadBytes;
  let added = 0;
  for (const file of files) {
    if (file.size > limit) {
      message(`${file.name} is too large: ${(file.size / 1e6).toFixed(1)} MB, the limit is ${(limit / 1e6).toFixed(0)} MB. It was not added.`);
      continue;
    }
    try {
      await api(`/api/examples?label=${encodeURIComponent(label)}&name=${encodeURIComponent(file.name)}`, { method: 'POST', body: file });
      added++;
    } catch (err) {
      message(err.message);
    }
  }
  if (added > 0) message(`Added ${added} ${added === 1 ? 'image' : 'images'} to ${label}.`, 'info');
  await refresh();
}

async function addTexts(label, area) {
  try {
    const { added, duplicates } = await postJson('/api/texts', { label, text: area.value });
    area.value = '';
    message(`Added ${added.length} ${added.length === 1 ? 'example' : 'examples'} to ${label}${duplicates ? ` (${duplicates} already there)` : ''}.`, 'info');
  } catch (err) {
    message(err.message);
  }
  await refresh();
}

async function action(run) {
  try {
    await run();
  } catch (err) {
    message(err.message);
  }
  await refresh();
}

const renameClass = (from, to) => action(() => postJson('/api/classes/rename', { from, to }));
const deleteClass = (label) => action(() => postJson('/api/classes/delete', { label }));
const deleteExample = (label, name) => action(() => postJson('/api/examples/delete', { label, name }));

function renderTrainOptions() {
  const { options } = state;
  const modality = state.project.modality;
  const fill = (select, values, chosen) => {
    if (select.options.length > 0) return;
    select.replaceChildren(...values.map((v) => el('option', { value: v }, v)));
    select.value = chosen;
  };
  fill($('#train-backbone'), options.backbones[modality], options.defaultBackbone[modality]);
  fill($('#train-head'), options.heads, 'linear');
  fill($('#train-strategy'), options.strategies, 'features');
}

// Webcam: choose a camera, hold a button to record a burst of frames into a class.
async function startCamera(deviceId) {
  stream?.getTracks().forEach((t) => t.stop());
  stream = await navigator.mediaDevices.getUserMedia({ video: deviceId ? { deviceId: { exact: deviceId } } : true });
  const video = $('#camera-video');
  video.srcObject = stream;
  video.hidden = false;
  await video.play().catch(() => undefined);
  const devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
  const current = stream.getVideoTracks()[0]?.getSettings().deviceId;
  $('#camera-select').replaceChildren(...devices.map((d, i) => el('option', { value: d.deviceId }, d.label || `Camera ${i + 1}`)));
  if (current) $('#camera-select').value = current;
  $('#record').disabled = false;
}

function frameBlob() {
  const video = $('#camera-video');
  const canvas = el('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext('2d').drawImage(video, 0, 0);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9));
}

function startRecording() {
  if (recording || !stream) return;
  const label = $('#camera-class').value;
  if (!label) {
    message('Add a class first, then record into it.');
    return;
  }
  let n = 0;
  const stamp = Date.now();
  const pending = [];
  const capture = async () => {
    const blob = await frameBlob();
    const file = new File([blob], `webcam-${stamp}-${String(++n).padStart(3, '0')}.jpg`, { type: 'image/jpeg' });
    pending.push(api(`/api/examples?label=${encodeURIComponent(label)}&name=${encodeURIComponent(file.name)}`, { method: 'POST', body: file }).catch((err) => message(err.message)));
  };
  capture();
  recording = { timer: setInterval(capture, 160), pending };
  $('#record').textContent = 'Recording…';
}

async function stopRecording() {
  if (!recording) return;
  const { timer, pending } = recording;
  recording = undefined;
  clearInterval(timer);
  $('#record').textContent = 'Hold to record';
  await Promise.all(pending);
  await refresh();
}

// Training: start, cancel, follow the server-sent events.
function followTraining() {
  const events = new EventSource('/api/train/events');
  events.onmessage = (e) => onTrainEvent(JSON.parse(e.data));
}

function onTrainEvent(event) {
  const status = $('#train-status');
  const bar = $('#train-progress');
  if (event.type === 'start') {
    bar.hidden = false;
    bar.removeAttribute('value');
    status.textContent = 'Starting…';
    $('#train-start').disabled = true;
    $('#train-cancel').disabled = false;
  } else if (event.type === 'progress') {
    const p = event.event;
    if (p.stage === 'extract') {
      bar.max = p.total;
      bar.value = p.done;
      status.textContent = `Features: ${p.done} of ${p.total} (${p.cached} from the cache)`;
    } else if (p.stage === 'epoch') {
      bar.max = p.epochs;
      bar.value = p.epoch;
      status.textContent = `Epoch ${p.epoch} of at most ${p.epochs}: loss ${p.loss.toFixed(3)}${p.valAccuracy !== undefined ? `, validation accuracy ${percent(p.valAccuracy)}` : ''}`;
    } else if (p.stage === 'convert') status.textContent = p.message;
    else if (p.stage === 'skip') message(`${p.file} was skipped: ${p.reason}`);
  } else {
    bar.hidden = true;
    $('#train-start').disabled = false;
    $('#train-cancel').disabled = true;
    if (event.type === 'done') {
      status.textContent = `Trained: ${percent(event.accuracy)} accuracy on the ${event.split === 'test' ? 'test' : 'validation'} examples.`;
      refresh().then(loadModel);
    } else if (event.type === 'cancelled') status.textContent = 'Training cancelled; the previous model (if any) is unchanged.';
    else {
      status.textContent = 'Training failed.';
      message(event.message);
    }
  }
}

async function loadModel() {
  ({ model } = await api('/api/model'));
  $('#inspect').hidden = !model;
  if (!model) return;
  const { metrics, manifest } = model;
  $('#accuracy').textContent = `Accuracy ${percent(metrics.accuracy)} on ${metrics.n} held-out ${model.split} examples · macro F1 ${metrics.macroF1.toFixed(3)} · ${manifest.backbone.id}, ${manifest.head.kind} head`;
  $('#model-warnings').replaceChildren(...model.warnings.map((w) => el('p', { class: 'note wrong' }, w)));
  $('#per-class tbody').replaceChildren(...metrics.perClass.map((c, i) =>
    el('tr', {}, el('th', { scope: 'row' }, manifest.labels[i]), el('td', { class: 'num' }, percent(c.recall)), el('td', { class: 'num' }, percent(c.precision)), el('td', { class: 'num' }, c.f1.toFixed(3)), el('td', { class: 'num' }, String(c.support)))));
  // The SVG comes from headstart's report renderer, which escapes every label.
  $('#confusion').innerHTML = model.confusionSvg;
  $('#curves').innerHTML = model.curvesHtml;
  $('#cell-examples').replaceChildren();
  for (const cell of document.querySelectorAll('#confusion g[data-true]')) {
    cell.setAttribute('tabindex', '0');
    cell.setAttribute('role', 'button');
    cell.addEventListener('click', () => showCell(cell));
    cell.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); showCell(cell); } });
  }
  $('#report-link').href = '/files/model/report.html';
}

function rankedList(top, limit = 3) {
  return el('ol', {}, ...top.slice(0, limit).map((t) => el('li', {}, `${t.label}: ${percent(t.probability)}`)));
}

async function exampleText(label, name) {
  const response = await fetch(fileUrl(label, name));
  return response.ok ? (await response.text()).trim() : name;
}

async function showCell(cell) {
  for (const c of document.querySelectorAll('#confusion g.selected')) c.classList.remove('selected');
  cell.classList.add('selected');
  const t = Number(cell.dataset.true);
  const p = Number(cell.dataset.pred);
  const labels = model.manifest.labels;
  const examples = model.cells[t][p];
  const heading = el('h3', {}, `True ${labels[t]}, predicted ${labels[p]}: ${examples.length} ${examples.length === 1 ? 'example' : 'examples'}`);
  const cards = await Promise.all(examples.map(async (e) =>
    el('figure', { class: `example ${t === p ? 'right' : 'wrong'}` },
      isImage() ? el('img', { src: fileUrl(e.label, e.name), alt: e.name }) : el('blockquote', {}, await exampleText(e.label, e.name)),
      el('figcaption', {}, e.name),
      rankedList(e.top))));
  $('#cell-examples').replaceChildren(heading, el('div', { class: 'examples' }, ...cards));
}

function showPrediction(prediction, what) {
  const box = $('#prediction');
  box.dataset.topLabel = prediction.label;
  box.replaceChildren(el('p', {}, `${what}: `, el('strong', {}, prediction.label), ` (${percent(prediction.probability)})`), rankedList(prediction.top, 5));
}

async function predictBlob(blob, name) {
  try {
    const { prediction } = await api(`/api/predict?name=${encodeURIComponent(name)}`, { method: 'POST', body: blob });
    showPrediction(prediction, name);
  } catch (err) {
    message(err.message);
  }
}

async function exportModel(format) {
  const out = $('#export-result');
  out.textContent = `Exporting ${format}…`;
  try {
    const result = await postJson('/api/export', { format });
    out.replaceChildren(
      el('p', {}, `Wrote ${result.path} (${(result.sizeBytes / 1e6).toFixed(1)} MB). `, el('a', { href: result.url, target: '_blank', rel: 'noopener', class: 'export-link', dataset: { format } }, format === 'onnx' ? 'Download' : 'Open')),
    );
  } catch (err) {
    out.textContent = '';
    message(err.message);
  }
}

function wire() {
  $('#new-project-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const form = new FormData(e.target);
    action(() => postJson('/api/project', { name: form.get('name'), modality: form.get('modality') }));
  });
  $('#add-class-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('#new-class');
    action(async () => {
      await postJson('/api/classes', { label: input.value });
      input.value = '';
    });
  });
  $('#camera-start').addEventListener('click', () => startCamera().catch((err) => message(`Cannot open the camera: ${err.message}`)));
  $('#camera-select').addEventListener('change', (e) => startCamera(e.target.value).catch((err) => message(`Cannot open the camera: ${err.message}`)));
  const record = $('#record');
  record.addEventListener('pointerdown', startRecording);
  for (const type of ['pointerup', 'pointerleave', 'pointercancel', 'blur']) record.addEventListener(type, stopRecording);
  record.addEventListener('keydown', (e) => { if ((e.key === ' ' || e.key === 'Enter') && !e.repeat) { e.preventDefault(); startRecording(); } });
  record.addEventListener('keyup', (e) => { if (e.key === ' ' || e.key === 'Enter') stopRecording(); });
  $('#train-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const options = { backbone: $('#train-backbone').value, head: $('#train-head').value };
    if (isImage()) options.strategy = $('#train-strategy').value;
    const epochs = $('#train-epochs').value;
    if (epochs) options.epochs = Number(epochs);
    try {
      await postJson('/api/train', options);
    } catch (err) {
      message(err.message);
    }
  });
  $('#train-cancel').addEventListener('click', () => postJson('/api/train/cancel', {}).catch((err) => message(err.message)));
  $('#test-file').addEventListener('change', (e) => {
    const file = e.target.files[0];
    if (file) predictBlob(file, file.name);
  });
  $('#test-camera').addEventListener('click', async () => {
    if (!stream) await startCamera().catch((err) => message(`Cannot open the camera: ${err.message}`));
    if (stream) predictBlob(await frameBlob(), 'webcam frame');
  });
  $('#test-text-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const { prediction } = await postJson('/api/predict', { text: $('#test-text').value });
      showPrediction(prediction, 'Text');
    } catch (err) {
      message(err.message);
    }
  });
  for (const button of document.querySelectorAll('#export button[data-format]')) button.addEventListener('click', () => exportModel(button.dataset.format));
}

wire();
await refresh();
followTraining();
if (state.trained) await loadModel();
document.body.dataset.ready = 'true';
