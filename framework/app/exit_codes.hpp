// The exit codes of `aton`, documented in README.md and docs/ERRORS.md.
#pragma once

namespace aton::app {

enum ExitCode : int {
  kExitOk = 0,
  kExitRunFailed = 1,      // a stage failed during a run (source, encoder, sink)
  kExitUsage = 2,          // bad command-line arguments
  kExitInvalidConfig = 3,  // the pipeline config is invalid
  kExitInvalidInput = 4,   // malformed input data (JSON, ATON) or an encoding error
  kExitPluginError = 5,    // a plugin could not be found, loaded or trusted
  kExitInterrupted = 130,  // SIGINT (SIGTERM gives 143)
};

}  // namespace aton::app
