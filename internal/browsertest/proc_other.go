//go:build !unix

package browsertest

import "os/exec"

// killGroup leaves cmd as it is: the context's cancellation kills node only.
func killGroup(*exec.Cmd) {}
