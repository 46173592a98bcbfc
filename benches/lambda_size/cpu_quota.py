"""A CPU quota for one group of processes, the way Lambda shares a CPU:
one vCPU at 1,769 MB, in proportion below that. cgroup v1 (the `cpu`
controller's cfs_quota_us / cfs_period_us) or, where only cgroup v2 has
the cpu controller, its cpu.max. Needs root; says clearly why not otherwise.
"""
import os

LAMBDA_MB_PER_VCPU = 1769
V1_ROOT = "/sys/fs/cgroup/cpu"
V2_ROOTS = ("/sys/fs/cgroup", "/sys/fs/cgroup/unified")


class QuotaUnavailable(Exception):
    pass


def quota_us(memory_mb, period_us):
    return max(1000, round(period_us * memory_mb / LAMBDA_MB_PER_VCPU))  # the kernel's floor is 1 ms


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def _v2_root():
    for root in V2_ROOTS:
        try:
            with open(os.path.join(root, "cgroup.controllers")) as f:
                if "cpu" in f.read().split():
                    return root
        except OSError:
            continue
    return None


class CpuQuota:
    """One cgroup named `name`; `set(memory_mb)` changes its quota, `enter_fn()`
    gives a preexec function that puts the child in it before it executes."""

    def __init__(self, name, period_us):
        self.period_us = period_us
        if os.access(os.path.join(V1_ROOT, "cpu.cfs_quota_us"), os.W_OK):
            self.version, self.path = 1, os.path.join(V1_ROOT, name)
        elif _v2_root():
            self.version, self.path = 2, os.path.join(_v2_root(), name)
        else:
            raise QuotaUnavailable(
                f"no writable cgroup CPU controller: neither {V1_ROOT}/cpu.cfs_quota_us (cgroup v1) nor a cgroup v2 "
                f"hierarchy with the cpu controller under {' or '.join(V2_ROOTS)}; run as root on a host or a "
                "container that mounts cgroups read-write")
        try:
            os.makedirs(self.path, exist_ok=True)
            if self.version == 2:
                parent = os.path.dirname(self.path)
                _write(os.path.join(parent, "cgroup.subtree_control"), "+cpu")
            self.set(LAMBDA_MB_PER_VCPU)
        except OSError as e:
            raise QuotaUnavailable(f"cannot create or configure the cgroup {self.path}: {e}") from e

    def set(self, memory_mb):
        quota = quota_us(memory_mb, self.period_us)
        if self.version == 1:
            _write(os.path.join(self.path, "cpu.cfs_period_us"), str(self.period_us))
            _write(os.path.join(self.path, "cpu.cfs_quota_us"), str(quota))
        else:
            _write(os.path.join(self.path, "cpu.max"), f"{quota} {self.period_us}")
        return quota

    def enter_fn(self):
        procs = os.path.join(self.path, "cgroup.procs")

        def enter():
            _write(procs, str(os.getpid()))
        return enter

    def throttling(self):
        """(periods throttled, seconds throttled) so far, from cpu.stat."""
        stats = {}
        try:
            with open(os.path.join(self.path, "cpu.stat")) as f:
                for line in f:
                    key, value = line.split()
                    stats[key] = int(value)
        except OSError:
            return None
        if self.version == 1:
            return stats.get("nr_throttled", 0), stats.get("throttled_time", 0) / 1e9
        return stats.get("nr_throttled", 0), stats.get("throttled_usec", 0) / 1e6

    def remove(self):
        try:
            os.rmdir(self.path)
        except OSError:
            pass  # still in use by a process that outlived us; nothing else to do
