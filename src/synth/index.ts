export { checkDigitPrerequisites, synthDigits, DIGIT_FONTS } from './digits.js';
export type { SynthDigitsOptions, SynthDigitsResult } from './digits.js';
export { checkSpeechPrerequisites, synthSpeech, SPEECH_VOICES, DIGIT_WORDS } from './speech.js';
export type { SynthSpeechOptions, SynthSpeechResult, SynthSpeechClip } from './speech.js';
