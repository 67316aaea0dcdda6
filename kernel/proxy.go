package main

import (
	"context"
	"encoding/json"
	"fmt"
	"go/parser"
	"go/token"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
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
	back, err := privateConnection(front)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "godl-kernel-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	backFile := filepath.Join(dir, "connection.json")
	data, _ := json.Marshal(back) // plain fields: always marshals
	if err := os.WriteFile(backFile, data, 0o600); err != nil {
		return err
	}
	args := append([]string(nil), argv[1:]...)
	for i := range args {
		if args[i] == connFile {
			args[i] = backFile
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &proxy{key: front.Key}
	if err := p.open(ctx, front); err != nil {
		return err
	}
	defer p.close()

	cmd := exec.Command(argv[0], args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, os.Stdout, os.Stderr
	// The parent-death signal is sent when the thread that started GoNB ends: this goroutine
	// keeps its thread until the proxy exits.
	runtime.LockOSThread()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting GoNB: %w", err)
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
	err = cmd.Wait()
	signal.Stop(sigs)
	if ee, ok := err.(*exec.ExitError); ok {
		if st, ok := ee.Sys().(syscall.WaitStatus); ok && st.Signaled() {
			os.Exit(128 + int(st.Signal()))
		}
		os.Exit(ee.ExitCode())
	}
	return err
}

// privateConnection returns the connection of GoNB behind the proxy: the frontend's key and
// scheme, five free ports on the loopback interface.
func privateConnection(front connectionInfo) (connectionInfo, error) {
	back := front
	back.Transport, back.IP = "tcp", "127.0.0.1"
	ports := make([]int, 5)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return back, fmt.Errorf("finding a free port for GoNB: %w", err)
		}
		ports[i] = l.Addr().(*net.TCPAddr).Port
		defer l.Close()
	}
	back.ShellPort, back.IOPubPort, back.StdinPort, back.ControlPort, back.HBPort = ports[0], ports[1], ports[2], ports[3], ports[4]
	return back, nil
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
