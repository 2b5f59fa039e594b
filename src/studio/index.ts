// headstart studio: a local web app over the public API (collect examples, train, inspect, test, export).
export { startStudio } from './server.js';
export type { StartStudioOptions, StudioServer } from './server.js';
export { ProjectStore, PROJECT_FILE, PROJECT_MODALITIES } from './project-store.js';
export type { ProjectInfo, ProjectModality, ClassSummary } from './project-store.js';
export { MAX_UPLOAD_BYTES } from './http-io.js';
