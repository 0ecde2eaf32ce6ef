package testproc

import (
	"os"
	"os/exec"
	"syscall"
)

// SetProcAttr puts cmd in a process group of its own and has the kernel
// kill it if the test binary dies before its cleanup.
func SetProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// Kill kills cmd's process group.
func Kill(cmd *exec.Cmd) error {
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}

// SigStop and SigCont freeze and thaw a process (nil where the platform
// has none).
var SigStop, SigCont os.Signal = syscall.SIGSTOP, syscall.SIGCONT
