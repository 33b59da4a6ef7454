// The CLI as its own process, for tests that must see how the process ends (an abort, an exit code):
// src/cli runs main() when it is the program run, which it is once bundled into this file.
import '../../src/cli';
