// Audio: WAV files, resampling, trimming, log-mel and MFCC features, labelled audio datasets.
export { decodeWav, readWav, encodeWav, mixToMono, WAV_SAMPLE_FORMATS } from './wav.js';
export type { WavAudio, WavSampleFormat, DecodeWavOptions, EncodeWavOptions } from './wav.js';
export { resample } from './resample.js';
export { trimSilence, fitLength, CLIP_ALIGNS } from './trim.js';
export type { TrimSilenceOptions, ClipAlign } from './trim.js';
export { RealFft } from './fft.js';
export { melFilterbank, hzToMel, melToHz } from './mel.js';
export type { MelFilterbank, MelFilterbankOptions } from './mel.js';
export {
  AudioFeaturizer, AUDIO_FEATURE_DEFAULTS, AUDIO_WINDOWS, resolveAudioFeatureSpec, computeLogMel, computeMfcc, frameCount,
} from './features.js';
export type { AudioFeatureSpec, AudioFeatureMatrix, AudioWindow } from './features.js';
export { listAudioFolder, loadAudioDataset } from './audio-folder.js';
export type { AudioItem, AudioDataset, AudioLabelSource, ListAudioFolderOptions, LoadAudioDatasetOptions } from './audio-folder.js';
export { extractMfccStats, extractLogMelImages } from './extract-audio-features.js';
export type { ExtractAudioFeaturesOptions, ExtractMfccStatsResult, ExtractLogMelImagesResult } from './extract-audio-features.js';
