import Pipeline

/// The CPU pool the tests' collectors, catalogs and workers share, as a process's services do.
let testPool = CPUPool(threadCount: 2)
