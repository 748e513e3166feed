/*
 * The plugin test kit: fakes of every service the host lends and a harness
 * that loads a plugin and runs its hooks as the host does. Import it from
 * tests only (`shared/testing`); it is not part of `shared/index.ts`, so a
 * plugin bundle never carries it. See README.md.
 */
export { ManualClock } from './manual-clock';
export { MemoryStateStore, MAX_DISTINCT_MEMBERS, type MemoryStateStoreOptions } from './memory-state-store';
export { RecordingLogger, RecordingMetrics, RecordingNotifier, type LogEntry } from './recording';
export { FakeAccountActions, FakeMailQueue, RecordingQueueActions, RecordingSystemActions } from './fake-services';
export { PluginHarness, configSchemaProblems, loadPlugin, type HarnessManifest, type HarnessOptions, type HookSubject } from './plugin-harness';
export { relayRequest } from './subjects';
