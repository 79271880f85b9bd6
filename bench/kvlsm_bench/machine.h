// A description of the machine a run measured, for the report: CPU model, cores, memory,
// kernel, the file system holding the DB directories, and the date. Fields that cannot be
// read are left empty (the report says "unknown"); nothing here fails a run.
#ifndef KVLSM_BENCH_KVLSM_BENCH_MACHINE_H_
#define KVLSM_BENCH_KVLSM_BENCH_MACHINE_H_

#include <string>

#include "results.h"

namespace kvlsm::bench {

MachineInfo DescribeMachine(const std::string& db_dir);

}  // namespace kvlsm::bench

#endif  // KVLSM_BENCH_KVLSM_BENCH_MACHINE_H_
