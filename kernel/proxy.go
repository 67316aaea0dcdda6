package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-zeromq/zmq4"
)

// The kernel runs GoNB behind a thin proxy of Jupyter's five sockets. Messages pass through
// unchanged (same key, same signatures: GoNB sees the frontend's own messages); the proxy only
// adds, for a cell that GoNB would reject before building it, an explanation in course terms:
// GoNB parses a cell itself, so a cell of statements without its %% line fails with "expected
// declaration, found train", an error that neither the go shim nor the compiler sees.
//
// Interrupts (SIGINT, Jupyter's interrupt_mode "signal") and termination signals are passed on
// to GoNB; GoNB dies with the proxy (parent-death signal) and the proxy exits with GoNB.

// runProxy starts GoNB (argv, whose `--kernel` value is the connection file connFile) on a
// private connection file and proxies the frontend's sockets to it until GoNB exits.
func runProxy(argv []string, connFile string) error {
	front, err := readConnectionFile(connFile)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "godl-kernel-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &proxy{key: front.Key}
	if err := p.open(ctx, front); err != nil {
		return err
	}
	defer p.close()

	// The parent-death signal is sent when the thread that started GoNB ends: this goroutine
	// keeps its thread until the proxy exits.
	runtime.LockOSThread()
	cmd, back, exited, err := startGoNB(argv, connFile, front, dir, goNBStartTries)
	if err != nil {
		return err
	}
	if err := p.dial(back); err != nil {
		_ = cmd.Process.Kill()
		return err
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	p.serve()
	err = <-exited
	signal.Stop(sigs)
	if ee, ok := err.(*exec.ExitError); ok {
		if st, ok := ee.Sys().(syscall.WaitStatus); ok && st.Signaled() {
			os.Exit(128 + int(st.Signal()))
		}
		os.Exit(ee.ExitCode())
	}
	return err
}

// goNBStartTries is how many times runProxy starts GoNB when it exits before listening.
const goNBStartTries = 3

// startGoNB starts GoNB (argv, whose --kernel value is connFile) on a private connection file
// written in dir and waits until it listens on its five ports. It returns the running command,
// GoNB's connection and a channel that receives cmd.Wait's result.
//
// The ports are free when privateConnection picks them, but GoNB binds them a moment later; if
// another process took one in between, GoNB exits ("address already in use") before listening.
// Such a GoNB is started again on other ports, up to tries times in all.
func startGoNB(argv []string, connFile string, front connectionInfo, dir string, tries int) (*exec.Cmd, connectionInfo, <-chan error, error) {
	var last error
	for attempt := 1; attempt <= tries; attempt++ {
		back, err := privateConnection(front)
		if err != nil {
			return nil, back, nil, err
		}
		// The file keeps the frontend's file name: GoNB reads Jupyter's kernel id from it
		// ("kernel-<id>.json"), and its widgets (gonbui/widgets) connect the page to
		// /api/kernels/<id>/channels with it.
		attemptDir := filepath.Join(dir, strconv.Itoa(attempt))
		if err := os.MkdirAll(attemptDir, 0o700); err != nil {
			return nil, back, nil, err
		}
		backFile := filepath.Join(attemptDir, filepath.Base(connFile))
		data, _ := json.Marshal(back) // plain fields: always marshals
		if err := os.WriteFile(backFile, data, 0o600); err != nil {
			return nil, back, nil, err
		}
		args := append([]string(nil), argv[1:]...)
		for i := range args {
			if args[i] == connFile {
				args[i] = backFile
			}
		}
		cmd := exec.Command(argv[0], args...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, os.Stdout, os.Stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			return nil, back, nil, fmt.Errorf("starting GoNB: %w", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		if err := waitListening(back, exited, time.Minute); err == nil {
			return cmd, back, exited, nil
		} else {
			last = err
		}
		if attempt < tries {
			fmt.Fprintf(os.Stderr, "kernel: GoNB did not start (%v); starting it again on other ports (%d of %d)\n", last, attempt+1, tries)
		}
	}
	return nil, connectionInfo{}, nil, fmt.Errorf("kernel: GoNB did not start after %d tries: %w", tries, last)
}

// waitListening returns nil once GoNB listens on the ports of back (read from /proc/net/tcp;
// where that file does not exist, once GoNB has lived for a second) and an error if GoNB
// exits first. After timeout (a slow machine) it returns nil: the proxy's dials retry.
func waitListening(back connectionInfo, exited <-chan error, timeout time.Duration) error {
	ports := []int{back.ShellPort, back.IOPubPort, back.StdinPort, back.ControlPort, back.HBPort}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			if err == nil {
				err = errors.New("exited")
			}
			return fmt.Errorf("GoNB exited before listening: %w", err)
		case <-time.After(10 * time.Millisecond):
		}
		listening, ok := listeningPorts()
		if !ok {
			select {
			case err := <-exited:
				return fmt.Errorf("GoNB exited at start: %v", err)
			case <-time.After(time.Second):
				return nil
			}
		}
		all := true
		for _, port := range ports {
			all = all && listening[port]
		}
		if all {
			return nil
		}
	}
	return nil
}

// listeningPorts reads the TCP ports in the LISTEN state on IPv4 from /proc/net/tcp; ok is
// false where that file cannot be read (not Linux).
func listeningPorts() (ports map[int]bool, ok bool) {
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return nil, false
	}
	ports = map[int]bool{}
	for _, line := range strings.Split(string(data), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 4 || f[3] != "0A" { // 0A: TCP_LISTEN
			continue
		}
		if i := strings.LastIndexByte(f[1], ':'); i >= 0 {
			if port, err := strconv.ParseUint(f[1][i+1:], 16, 16); err == nil {
				ports[int(port)] = true
			}
		}
	}
	return ports, true
}

// privateConnection returns the connection of GoNB behind the proxy: the frontend's key and
// scheme, five free ports on the loopback interface. The ports are taken below the system's
// ephemeral range (Linux: /proc/sys/net/ipv4/ip_local_port_range, 32768 by default), where the
// source ports of outgoing connections never come from: a port found free there stays free
// until GoNB binds it unless a program binds that very port.
func privateConnection(front connectionInfo) (connectionInfo, error) {
	back := front
	back.Transport, back.IP = "tcp", "127.0.0.1"
	low, high := privatePortRange()
	ports := make([]int, 0, 5)
	used := map[int]bool{}
	for tries := 0; len(ports) < 5 && tries < 200; tries++ {
		port := low + rand.IntN(high-low)
		if used[port] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		used[port] = true
		ports = append(ports, port)
		defer l.Close()
	}
	for len(ports) < 5 { // a crowded range: let the system choose
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return back, fmt.Errorf("finding a free port for GoNB: %w", err)
		}
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
		defer l.Close()
	}
	back.ShellPort, back.IOPubPort, back.StdinPort, back.ControlPort, back.HBPort = ports[0], ports[1], ports[2], ports[3], ports[4]
	return back, nil
}

// privatePortRange is [low, high): the 8,192 ports below the ephemeral range.
func privatePortRange() (low, high int) {
	high = 32768
	if data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(data)); len(f) == 2 {
			if v, err := strconv.Atoi(f[0]); err == nil && v > 10000 {
				high = v
			}
		}
	}
	return high - 8192, high
}

// proxy holds the frontend's sockets (bound) and GoNB's (connected).
type proxy struct {
	key                              string
	fShell, fControl, fStdin, fIOPub zmq4.Socket
	fHB                              zmq4.Socket
	bShell, bControl, bStdin, bIOPub zmq4.Socket
	iopubMu                          sync.Mutex
	session                          string
}

func (p *proxy) open(ctx context.Context, front connectionInfo) error {
	p.session = newID()
	p.fShell, p.fControl, p.fStdin = zmq4.NewRouter(ctx), zmq4.NewRouter(ctx), zmq4.NewRouter(ctx)
	p.fIOPub, p.fHB = zmq4.NewPub(ctx), zmq4.NewRep(ctx)
	// GoNB's sockets are dialed once GoNB listens: retry every 50 ms for up to a minute.
	dial := []zmq4.Option{zmq4.WithDialerRetry(50 * time.Millisecond), zmq4.WithDialerMaxRetries(1200)}
	// The shell and stdin connections share one identity, as a frontend's do: GoNB sends an
	// input request (%with_inputs) on stdin to the identity of the shell request it answers.
	id := zmq4.WithID(zmq4.SocketIdentity("godl-kernel-" + p.session[:8]))
	p.bShell, p.bStdin = zmq4.NewDealer(ctx, append(dial, id)...), zmq4.NewDealer(ctx, append(dial, id)...)
	p.bControl = zmq4.NewDealer(ctx, dial...)
	p.bIOPub = zmq4.NewSub(ctx, dial...)
	for _, s := range []struct {
		s    zmq4.Socket
		port int
		name string
	}{{p.fIOPub, front.IOPubPort, "iopub"}, {p.fShell, front.ShellPort, "shell"}, {p.fControl, front.ControlPort, "control"},
		{p.fStdin, front.StdinPort, "stdin"}, {p.fHB, front.HBPort, "heartbeat"}} {
		if err := s.s.Listen(front.endpoint(s.port)); err != nil {
			return fmt.Errorf("kernel: listening on the %s port %d: %w", s.name, s.port, err)
		}
	}
	return nil
}

// dial connects to GoNB's sockets (GoNB must be starting).
func (p *proxy) dial(back connectionInfo) error {
	for _, s := range []struct {
		s    zmq4.Socket
		port int
	}{{p.bShell, back.ShellPort}, {p.bControl, back.ControlPort}, {p.bStdin, back.StdinPort}, {p.bIOPub, back.IOPubPort}} {
		if err := s.s.Dial(back.endpoint(s.port)); err != nil {
			return fmt.Errorf("kernel: connecting to GoNB's port %d: %w", s.port, err)
		}
	}
	return p.bIOPub.SetOption(zmq4.OptionSubscribe, "")
}

func (p *proxy) close() {
	for _, s := range []zmq4.Socket{p.fShell, p.fControl, p.fStdin, p.fIOPub, p.fHB, p.bShell, p.bControl, p.bStdin, p.bIOPub} {
		if s != nil {
			_ = s.Close()
		}
	}
}

// serve starts the forwarding loops (they end when the sockets close).
func (p *proxy) serve() {
	forward := func(from, to zmq4.Socket, inspect func([][]byte)) {
		for {
			m, err := from.Recv()
			if err != nil {
				return
			}
			if inspect != nil {
				inspect(m.Frames)
			}
			if to == p.fIOPub {
				p.iopubMu.Lock()
				err = to.Send(m)
				p.iopubMu.Unlock()
			} else {
				err = to.Send(m)
			}
			if err != nil {
				return
			}
		}
	}
	go forward(p.fShell, p.bShell, p.explainBeforeGoNB)
	go forward(p.bShell, p.fShell, nil)
	go forward(p.fControl, p.bControl, nil)
	go forward(p.bControl, p.fControl, nil)
	go forward(p.fStdin, p.bStdin, nil)
	go forward(p.bStdin, p.fStdin, nil)
	go forward(p.bIOPub, p.fIOPub, nil)
	go func() { // heartbeat: the proxy answers while it lives, and it lives as long as GoNB
		for {
			m, err := p.fHB.Recv()
			if err != nil {
				return
			}
			_ = p.fHB.Send(m)
		}
	}()
}

// explainBeforeGoNB looks at a request on its way to GoNB: for an execute_request whose cell
// GoNB will reject as it is written, it publishes the explanation (stderr of that cell) first.
func (p *proxy) explainBeforeGoNB(frames [][]byte) {
	k := &diagKernel{conn: connectionInfo{Key: p.key}, session: p.session}
	m, err := k.decode(frames)
	if err != nil || m.Header["msg_type"] != "execute_request" {
		return
	}
	code, _ := m.Content["code"].(string)
	hint := cellHint(code)
	if hint == "" {
		return
	}
	msg := k.encode([][]byte{[]byte("stream")}, "stream", m, map[string]any{"name": "stderr", "text": hint})
	p.iopubMu.Lock()
	_ = p.fIOPub.Send(zmq4.NewMsgFrom(msg...))
	p.iopubMu.Unlock()
}

// cellHint explains a cell that GoNB cannot parse as it is written ("" when there is nothing to
// say): statements without the %% line that makes them the body of main.
func cellHint(code string) string {
	var body []string
	for _, ln := range strings.Split(code, "\n") {
		t := strings.TrimSpace(ln)
		switch {
		case strings.HasPrefix(t, "%%") || strings.HasPrefix(t, "%main") || strings.HasPrefix(t, "%test"):
			return "" // a main cell already
		case strings.HasPrefix(t, "%") || strings.HasPrefix(t, "!"):
			continue // GoNB's special commands
		}
		body = append(body, ln)
	}
	src := strings.Join(body, "\n")
	if strings.TrimSpace(src) == "" {
		return ""
	}
	fset := token.NewFileSet()
	if _, err := parser.ParseFile(fset, "cell.go", "package main\n"+src, parser.SkipObjectResolution); err == nil ||
		!strings.Contains(err.Error(), "expected declaration") {
		return "" // declarations (GoNB takes them), or another syntax error (GoNB explains it)
	}
	if _, err := parser.ParseFile(fset, "cell.go", "package main\nfunc main() {\n"+src+"\n}", parser.SkipObjectResolution); err != nil {
		return ""
	}
	return "hint: this cell holds statements, which run only in a %% cell: add a line with %% at the top of the cell " +
		"(a cell without %% may only declare func, type, var, const and import).\n"
}
