// headstart's public API. The CLI uses nothing else.

// One-call jobs
export { exportModel, EXPORT_FORMATS, train, TRAIN_DEFAULTS, TRAIN_STRATEGIES, evaluateModel, predict, loadModel, loadTextModel, readModelManifest, demo, DEMO_DATA_DIR, MANIFEST_FILE } from './workflows/index.js';
export type {
  TrainOptions, TrainResult, EvaluateModelOptions, EvaluateModelResult, PredictOptions, PredictResult, Prediction, TextPredictOptions, TextPredictResult, TextPrediction, RankedClasses,
  TrainStrategy, TransferModel, TextTransferModel, LoadModelOptions, ModelManifest, ImageModelManifest, TextModelManifest, Modality, WorkflowOptions, DemoOptions, DemoResult, ExportModelOptions, ExportModelResult,
} from './workflows/index.js';
export { demoSentiment, SENTIMENT_DEFAULTS, SENTIMENT_METHODS } from './workflows/index.js';
export type { SentimentOptions, SentimentResult, SentimentMethod, TextSourceEncoding } from './workflows/index.js';

// Does transfer pay off? Learning curves of transfer against training from scratch, resumable
export { compareStrategies, COMPARE_DEFAULTS, COMPARE_STRATEGIES, runLearningCurve, learningCurveReport } from './workflows/index.js';
export type { CompareOptions, CompareResult, CompareStrategy, CurveRun, CurvePoint, LearningCurveOptions, LearningCurveResult } from './workflows/index.js';

// Develop-a-model approach: train a source model from scratch, check it against baselines, publish it to the zoo
export { pretrain, trainScratchModel, scratchInputSpec, SCRATCH_DEFAULTS, TEXT_SCRATCH_DEFAULTS, fitTextSourceEncoding, TEXT_SOURCE_MAX_LENGTH, demoSim2Real, SIM2REAL_DEFAULTS, SIM2REAL_METHODS } from './workflows/index.js';
export { demoSpeakers, SPEAKERS_DEFAULTS, SPEAKERS_METHODS, SPEAKERS_DATA_DIR, AUDIO_SOURCE_SPEC, logMelRows } from './workflows/index.js';
export type { SpeakersOptions, SpeakersResult, SpeakersRun, SpeakersMethod, SpeakersMean, LogMelRows } from './workflows/index.js';
export type {
  PretrainOptions, PretrainResult, ScratchTrainingOptions, ScratchModel, Sim2RealOptions, Sim2RealResult, Sim2RealRun, Sim2RealMethod,
} from './workflows/index.js';
export { buildArchitecture, ARCHITECTURES } from './engines/index.js';
export type { ArchitectureName, ArchitectureOptions, BuiltArchitecture } from './engines/index.js';

// Source-model zoo: cards, backbones, feature extraction
export {
  listBackbones, listLayers, getModelCard, installBackbone, registerBackbone, registerTfliteBackbone, REGISTER_FORMATS, loadBackbone, extractFeatures, defaultHome,
} from './zoo/index.js';
export type { ModelCard, CutPoint, SourceTraining, Backbone, LoadBackboneOptions, ExtractFeaturesOptions, ExtractFeaturesResult, RegisterBackboneOptions, RegisterFormat, InstalledBackbone } from './zoo/index.js';
export { combineBackbones, TEST_TIME_AUGMENTATIONS } from './zoo/index.js';
export type { CombineBackbonesOptions, TestTimeAugmentation } from './zoo/index.js';
export { chooseBackbones } from './select/index.js';
export type { BackboneCandidate, BackboneChoice } from './select/index.js';

// Heads on features
export { trainHead, loadHead, earlyStopping, HEAD_KINDS, TRAIN_HEAD_DEFAULTS } from './heads/index.js';
export type { Head, HeadKind, TrainHeadOptions, TrainHeadResult, Callback, EpochRecord, TrainContext } from './heads/index.js';
export { fitLogisticRegression, fitLogisticRegressionCV, predictLogisticRegression } from './heads/index.js';
export type { LogisticRegressionOptions, LogisticRegressionModel, LogisticRegressionCVOptions, LogisticRegressionCVResult } from './heads/index.js';

// Fine-tuning: trunk in the engine, top blocks and head in tfjs
export { fineTune, trainTopHead, onnxTop, splitAtBlocks, lrFind, discriminativeRates, schedulePhases, FINE_TUNE_DEFAULTS, FINE_TUNE_SCHEDULES, LR_FIND_DEFAULTS } from './finetune/index.js';
export type { FineTuneOptions, FineTuneResult, FineTunePhase, FineTuneSchedule, TopTrainingData, TopSplit, OnnxTop, LrFindOptions, LrFindResult } from './finetune/index.js';

// Data
export { loadImageDataset, listImageFolder, readManifest, splitDataset, selectFeatureRows, decodeImage, decodeImageFile, FeatureCache } from './data/index.js';
export { augmentPixels, decodeAugmentedImage, resolveAugmentOptions, AUGMENT_DEFAULTS } from './data/index.js';
export type { AugmentOptions } from './data/index.js';
export type { ImageDataset, LabeledItem, InputSpec, FeatureSet, SkippedFile, BadFilePolicy } from './data/index.js';
export {
  listAudioFolder, loadAudioDataset, readWav, decodeWav, encodeWav, resample, trimSilence, fitLength, AudioFeaturizer,
  AUDIO_FEATURE_DEFAULTS, resolveAudioFeatureSpec, computeLogMel, computeMfcc, extractMfccStats, extractLogMelImages,
} from './data/index.js';
export type {
  AudioDataset, AudioItem, ListAudioFolderOptions, LoadAudioDatasetOptions, WavAudio, WavSampleFormat, AudioFeatureSpec,
  AudioFeatureMatrix, ExtractAudioFeaturesOptions, ExtractMfccStatsResult, ExtractLogMelImagesResult,
} from './data/index.js';

// Text: datasets, tokenisers, text backbones (word vectors, ONNX sentence encoders)
export { loadTextDataset, detectDatasetKind, tokenizeWords, WordPieceTokenizer, TEXT_FORMATS, BagOfWords, TokenIds, PAD_TOKEN, UNKNOWN_TOKEN } from './data/index.js';
export type { TextDataset, TextItem, BadRow, TextFormat, LoadTextDatasetOptions, DatasetKind, TextEncoding, FitBagOfWordsOptions, FitTokenIdsOptions, TokenIdsJson } from './data/index.js';
export { loadTextBackbone, registerTextBackbone, listTextBackbones, textFeatures, textRowId, TEXT_POOLINGS, saveSourceModel, loadSourceModel, readSourceModelInfo } from './zoo/index.js';
export type { TextBackbone, TextModelCard, TextPooling, TextEmbedding, LoadTextBackboneOptions, TextFeaturesOptions, TextFeaturesResult, TextSourceInput, TextSourceModelInfo } from './zoo/index.js';

// Synthetic and packaged datasets
export { checkDigitPrerequisites, synthDigits, DIGIT_FONTS } from './synth/index.js';
export type { SynthDigitsOptions, SynthDigitsResult } from './synth/index.js';
export { checkSpeechPrerequisites, synthSpeech, SPEECH_VOICES, DIGIT_WORDS } from './synth/index.js';
export type { SynthSpeechOptions, SynthSpeechResult, SynthSpeechClip } from './synth/index.js';
export { readMnistDigits, writeMnistImages, MNIST_CREDIT, decodeImageSet } from './data/index.js';
export type { WriteMnistOptions, DecodeImageSetOptions } from './data/index.js';

// Engines
export { createEngine, TfjsEngine, OnnxEngine, POOLINGS, MODEL_FORMATS, BATCH_NORM_MODES, HEAD_GROUP } from './engines/index.js';
export type { TrainableTop, TopSpec, TopStepOptions, TopState, LayersArtifacts, ParameterGroup, BatchNormMode } from './engines/index.js';
export type { Engine, FeatureExtractor, Pooling, ModelFormat, ModelFiles } from './engines/index.js';

// Transfer diagnostics: rank source backbones, measure dataset shift (one-call jobs, then the estimators alone)
export { rankBackbones, RANK_BACKBONES_DEFAULTS, TRANSFER_SCORES, TRANSFER_SCORE_NAMES, SOURCE_LOGITS_CUT, measureShift } from './workflows/index.js';
export { findLearningRate } from './workflows/index.js';
export type { FindLearningRateOptions, FindLearningRateResult } from './workflows/index.js';
export type { RankBackbonesOptions, RankBackbonesResult, BackboneScores, RankVerification, TransferScore, MeasureShiftOptions, MeasureShiftResult } from './workflows/index.js';
export { scoreLogMe, scoreHScore, scoreLeep, scoreNce, softmaxRows, spearmanCorrelation, kendallTau } from './select/index.js';
export type { ScoreHScoreOptions } from './select/index.js';
export { computeMmd, computeProxyADistance, diagnoseShift, SHIFT_THRESHOLDS } from './adapt/index.js';
export type { MmdResult, ProxyADistanceResult, ShiftDiagnosis, ClassShift, ShiftLevel } from './adapt/index.js';

// Domain adaptation: the one-call job, then the methods on features alone
export { adaptDomains } from './workflows/index.js';
export type { AdaptDomainsOptions, AdaptDomainsResult } from './workflows/index.js';
export { adaptFeatures, ADAPT_METHODS, ADAPT_METHOD_PAPERS, ADAPT_FEATURES_DEFAULTS, coralAlign, pseudoLabel, trainFeatureAdapter } from './adapt/index.js';
export type {
  AdaptMethod, AdaptFeaturesOptions, AdaptFeaturesResult, DomainScores, ShiftMeasures, CoralAlignOptions, CoralAlignResult, PseudoLabelOptions,
  PseudoLabelResult, TrainFeatureAdapterOptions, TrainFeatureAdapterResult, FeatureAdapterModel,
} from './adapt/index.js';
export { ADAPT_METHOD_CHOICES, ADAPT_GUARD_DEFAULTS, guardAdaptation } from './adapt/index.js';
export type { AdaptMethodChoice, AutoCandidate, AdaptGuard, AdaptGuardFlag, AdaptGuardOptions } from './adapt/index.js';

// Evaluation and reports
export { computeMetrics, topKAccuracy, argmaxRows } from './evaluate/index.js';
export type { ClassificationMetrics } from './evaluate/index.js';
export { renderHtmlReport, writeReport, formatTable, formatMetricsSummary } from './report/index.js';
export { renderConfusionHeatmap, renderTrainingCurves } from './report/index.js';
export type { ReportInput } from './report/index.js';

// Errors and progress
export { HeadstartError } from './core/index.js';
export { writeFileAtomic, writeDirAtomic } from './core/index.js';
export type { ErrorCode, ProgressEvent, ProgressCallback } from './core/index.js';

// Safe outputs and bounded reads
export { INPUT_SIZE_LIMITS, OUTPUT_MARKER_FILE, prepareOutput, readInputFile, readInputText, recoverInterruptedWrite } from './core/index.js';
export type { InputKind, OutputKind, PrepareOutputOptions } from './core/index.js';

// No-transfer baselines and honest small-sample numbers
export { KEEP_CHOICES } from './workflows/index.js';
export type { KeepChoice, TransferComparison, ComparedModel, TextFeatureChoiceRecord } from './workflows/index.js';
export { TfIdf, TF_IDF_DEFAULTS } from './data/index.js';
export type { FitTfIdfOptions, TfIdfJson } from './data/index.js';
export { fitLinearProbe, tfIdfTextBackbone, hybridTextBackbone } from './baselines/index.js';
export type { LinearProbe, FitLinearProbeOptions } from './baselines/index.js';
export { wilsonInterval, formatAccuracy, isSmallSample, mcnemarExact, comparePredictions } from './evaluate/index.js';
export type { ProportionInterval, McNemarResult } from './evaluate/index.js';

// Continual learning: grow a model by new examples and new classes on frozen features (learners, then the one-call update)
export { createLearner, loadLearner, solveLda, oasShrinkage, herdingSelection, CONTINUAL_STRATEGIES, CONTINUAL_DEFAULTS } from './continual/index.js';
export type { ContinualStrategy, ContinualOptions, ContinualLearner, LearnContext, LearnerMemory, SldaState, LdaSolution } from './continual/index.js';
export { updateModel } from './workflows/index.js';
export type { UpdateModelOptions, UpdateModelResult, ModelVersion } from './workflows/index.js';
export { benchmarkContinual, BENCHMARK_CONTINUAL_DEFAULTS, CONTINUAL_PROTOCOLS, CONTINUAL_TABLE_HEADER, continualTableRows } from './workflows/index.js';
export type { BenchmarkContinualOptions, BenchmarkContinualResult, ContinualProtocol, ContinualRun, ContinualSummary } from './workflows/index.js';

// Scaling out: fill the feature cache on worker processes or over a Redis queue (BullMQ), and the worker side
export { extractDataset, EXTRACT_DATASET_DEFAULTS } from './workflows/index.js';
export type { ExtractDatasetOptions, ExtractDatasetResult, DistributedExtractionOptions } from './workflows/index.js';
export { fillFeatureCache, runQueueWorker, ShardRunner, DISTRIBUTE_DEFAULTS, EXTRACT_QUEUE_NAME } from './distributed/index.js';
export type { DistributeOptions, FillFeatureCacheOptions, FillFeatureCacheResult, ShardWorkerStats, RunQueueWorkerOptions, ShardJob, ShardResult } from './distributed/index.js';
