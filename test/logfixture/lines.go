package logfixture

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// apps are workloads of an AKS node and their containers' names.
var apps = []struct {
	name       string
	containers []string
	daemonSet  bool
}{
	{"coredns", []string{"coredns"}, false},
	{"coredns-autoscaler", []string{"autoscaler"}, false},
	{"konnectivity-agent", []string{"konnectivity-agent"}, false},
	{"metrics-server", []string{"metrics-server", "metrics-server-vpa"}, false},
	{"kube-proxy", []string{"kube-proxy"}, true},
	{"azure-ip-masq-agent", []string{"azure-ip-masq-agent"}, true},
	{"cloud-node-manager", []string{"cloud-node-manager"}, true},
	{"csi-azuredisk-node", []string{"liveness-probe", "node-driver-registrar", "azuredisk"}, true},
	{"csi-azurefile-node", []string{"liveness-probe", "node-driver-registrar", "azurefile"}, true},
	{"ama-logs", []string{"ama-logs", "ama-logs-prometheus"}, true},
	{"azure-cns", []string{"cns-container"}, true},
	{"web", []string{"web", "istio-proxy"}, false},
	{"orders-api", []string{"orders-api"}, false},
}

// podNamer names pods as their controllers do: <deployment>-<hash>-<5>
// or <daemonset>-<5>, never twice.
type podNamer struct {
	rng     *rand.Rand
	used    map[string]bool
	pod     string
	pending []string
}

func newPodNamer(rng *rand.Rand) *podNamer {
	return &podNamer{rng: rng, used: map[string]bool{}}
}

// next is the next container and the pod it is in.
func (p *podNamer) next() (pod, container string) {
	for len(p.pending) == 0 {
		app := apps[p.rng.IntN(len(apps))]
		name := app.name + "-"
		if !app.daemonSet {
			name += p.suffix(10) + "-"
		}
		name += p.suffix(5)
		if p.used[name] {
			continue
		}
		p.used[name] = true
		p.pod, p.pending = name, app.containers
	}
	container, p.pending = p.pending[0], p.pending[1:]
	return p.pod, container
}

// suffix uses the alphabet of Kubernetes' generated names.
func (p *podNamer) suffix(n int) string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[p.rng.IntN(len(alphabet))]
	}
	return string(b)
}

// runtimeLineMax is the longest content of one CRI line: containerd and
// CRI-O cut longer lines into 16 KiB partial lines.
const runtimeLineMax = 16 << 10

// lineGen writes one container's (or node log's) lines.
type lineGen struct {
	rng   *rand.Rand
	now   int64 // unix nanoseconds
	seq   uint64
	label string
	// The current second in the CRI, klog and node log forms.
	sec                  int64
	criSec, klogSec, sys []byte
	long                 []byte
}

func newLineGen(seed uint64, start time.Time, label string) *lineGen {
	g := &lineGen{rng: rand.New(rand.NewPCG(seed, seed^0xa5a5a5a5)), now: start.UnixNano(), label: label, sec: -1}
	// The text of long lines: an object dumped as JSON, as controllers
	// and operators log them, with varying names and numbers.
	g.long = append(g.long, `{"kind":"PodList","items":[`...)
	for len(g.long) < 96<<10 {
		g.long = append(g.long, `{"metadata":{"name":"`...)
		g.long = append(g.long, apps[g.rng.IntN(len(apps))].name...)
		g.long = append(g.long, '-')
		g.long = strconv.AppendUint(g.long, g.rng.Uint64()>>28, 36)
		g.long = append(g.long, `","namespace":"kube-system","uid":"`...)
		g.long = strconv.AppendUint(g.long, g.rng.Uint64(), 16)
		g.long = append(g.long, `","resourceVersion":"`...)
		g.long = strconv.AppendInt(g.long, int64(g.rng.IntN(1<<24)), 10)
		g.long = append(g.long, `"},"status":{"phase":"`...)
		g.long = append(g.long, [...]string{"Running", "Pending", "Succeeded", "Failed"}[g.rng.IntN(4)]...)
		g.long = append(g.long, `","podIP":"10.244.`...)
		g.long = strconv.AppendInt(g.long, int64(g.rng.IntN(256)), 10)
		g.long = append(g.long, '.')
		g.long = strconv.AppendInt(g.long, int64(g.rng.IntN(256)), 10)
		g.long = append(g.long, `","restartCount":`...)
		g.long = strconv.AppendInt(g.long, int64(g.rng.IntN(8)), 10)
		g.long = append(g.long, "}},"...)
	}
	return g
}

func (g *lineGen) tick() {
	g.now += int64(g.rng.IntN(40_000_000)) + 1
	g.seq++
	if s := g.now / 1e9; s != g.sec {
		g.sec = s
		t := time.Unix(s, 0).UTC()
		g.criSec = t.AppendFormat(g.criSec[:0], "2006-01-02T15:04:05")
		g.klogSec = t.AppendFormat(g.klogSec[:0], "0102 15:04:05")
		g.sys = t.AppendFormat(g.sys[:0], "2006-01-02 15:04:05")
	}
}

// appendTime appends the CRI time: RFC 3339 with nanoseconds, trailing
// zeros dropped, as the runtimes write it.
func (g *lineGen) appendTime(b []byte) []byte {
	b = append(b, g.criSec...)
	ns := g.now % 1e9
	if ns != 0 {
		var d [10]byte
		d[0] = '.'
		for i := 9; i > 0; i-- {
			d[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for d[n-1] == '0' {
			n--
		}
		b = append(b, d[:n]...)
	}
	return append(b, 'Z')
}

func (g *lineGen) appendCRI(b []byte, stream string, tag byte) []byte {
	b = g.appendTime(b)
	b = append(b, ' ')
	b = append(b, stream...)
	return append(b, ' ', tag, ' ')
}

func (g *lineGen) appendMicros(b []byte) []byte {
	us := (g.now % 1e9) / 1e3
	var d [6]byte
	for i := 5; i >= 0; i-- {
		d[i] = byte('0' + us%10)
		us /= 10
	}
	return append(b, d[:]...)
}

var (
	klogFiles = []string{"reflector.go:376", "controller.go:218", "server.go:143", "leaderelection.go:258",
		"round_trippers.go:553", "plugin.go:85", "utils.go:77", "main.go:64", "handler.go:1034"}
	klogMessages = []string{
		"Listing and watching *v1.Pod from k8s.io/client-go/informers/factory.go:160",
		"Caches populated for *v1.Service from pkg/mod/k8s.io/client-go@v0.37.0/tools/cache/reflector.go:243",
		"successfully acquired lease kube-system/cloud-controller-manager",
		"GET https://10.0.0.1:443/api/v1/namespaces/kube-system/endpoints?resourceVersion=0 200 OK in 3 milliseconds",
		"Connecting to proxy server",
		"\"Failed to watch\" err=\"failed to list *v1.Endpoints: Get \\\"https://10.0.0.1:443/api/v1/endpoints\\\": dial tcp 10.0.0.1:443: i/o timeout\"",
		"NodeStageVolume: volume_id /subscriptions/0000/resourceGroups/mc_rg/providers/Microsoft.Compute/disks/pvc-1 staged",
		"Probe succeeded",
		"[INFO] plugin/reload: Running configuration SHA512 = 1b2c",
	}
	jsonMessages = []string{"request served", "reconciling", "cache miss", "retrying after backoff",
		"health check passed", "connection reset by peer", "config reloaded"}
	jsonLevels = []string{"info", "info", "info", "debug", "warn", "error"}
	plainWords = []string{"GET", "/healthz", "200", "POST", "/api/orders", "201", "upstream", "10.244.1.17:8080",
		"latency=", "3ms", "bytes=", "512", "user-agent=", "kube-probe/1.37", "trace=", "ok", "\u00e9t\u00e9", "\u2713"}
)

// appendEntry appends one log entry: usually one CRI line, a long message
// as P lines and an F line, a panic as several lines.
func (g *lineGen) appendEntry(b []byte) []byte {
	g.tick()
	switch k := g.rng.IntN(1000); {
	case k < 500: // klog on stderr
		b = g.appendCRI(b, "stderr", 'F')
		b = append(b, "IIIIIIIWEI"[g.rng.IntN(10)])
		b = append(b, g.klogSec...)
		b = append(b, '.')
		b = g.appendMicros(b)
		b = append(b, "       1 "...)
		b = append(b, klogFiles[g.rng.IntN(len(klogFiles))]...)
		b = append(b, "] "...)
		b = append(b, klogMessages[g.rng.IntN(len(klogMessages))]...)
		b = append(b, " seq="...)
		b = strconv.AppendUint(b, g.seq, 10)
	case k < 800: // JSON on stdout
		b = g.appendCRI(b, "stdout", 'F')
		b = append(b, `{"level":"`...)
		b = append(b, jsonLevels[g.rng.IntN(len(jsonLevels))]...)
		b = append(b, `","ts":"`...)
		b = g.appendTime(b)
		b = append(b, `","logger":"`...)
		b = append(b, g.label...)
		b = append(b, `","msg":"`...)
		b = append(b, jsonMessages[g.rng.IntN(len(jsonMessages))]...)
		b = append(b, `","seq":`...)
		b = strconv.AppendUint(b, g.seq, 10)
		b = append(b, `,"duration_ms":`...)
		b = strconv.AppendInt(b, int64(g.rng.IntN(5000)), 10)
		b = append(b, '}')
	case k < 988: // access-log words, some with trailing blanks
		b = g.appendCRI(b, "stdout", 'F')
		for n := 3 + g.rng.IntN(20); n > 0; n-- {
			b = append(b, plainWords[g.rng.IntN(len(plainWords))]...)
			b = append(b, ' ')
		}
		b = strconv.AppendUint(b, g.seq, 10)
		if g.rng.IntN(8) == 0 {
			b = append(b, " \t "...)
		}
	case k < 992: // a line longer than the runtime's buffer: P lines, then F
		n := runtimeLineMax/2 + g.rng.IntN(3*runtimeLineMax)
		off := g.rng.IntN(len(g.long) - n)
		msg := g.long[off : off+n]
		stream := [2]string{"stdout", "stderr"}[g.rng.IntN(2)]
		for len(msg) > runtimeLineMax {
			b = g.appendCRI(b, stream, 'P')
			b = append(b, msg[:runtimeLineMax]...)
			b = append(b, '\n')
			msg = msg[runtimeLineMax:]
			g.now++
		}
		b = g.appendCRI(b, stream, 'F')
		b = append(b, msg...)
		b = append(b, " seq="...)
		b = strconv.AppendUint(b, g.seq, 10)
	default: // a Go panic: one line per frame, tab-indented
		b = g.appendCRI(b, "stderr", 'F')
		b = append(b, "panic: runtime error: invalid memory address or nil pointer dereference"...)
		for i := range 4 + g.rng.IntN(6) {
			b = append(b, '\n')
			b = g.appendCRI(b, "stderr", 'F')
			if i%2 == 0 {
				b = append(b, "main.(*server).handle(0xc000123456, 0x"...)
				b = strconv.AppendUint(b, g.seq+uint64(i), 16)
				b = append(b, ')')
			} else {
				b = append(b, "\t/src/cmd/server/main.go:"...)
				b = strconv.AppendInt(b, int64(100+g.rng.IntN(900)), 10)
				b = append(b, " +0x1d"...)
			}
		}
	}
	return append(b, '\n')
}

var nodeMessages = []string{
	"util.py[DEBUG]: Running command ['systemctl', 'restart', 'kubelet'] with allowed return codes [0] (shell=False, capture=True)",
	"cc_scripts_user.py[DEBUG]: Running /var/lib/cloud/instance/scripts/runcmd",
	"handlers.py[DEBUG]: finish: modules-final/config-scripts-user: SUCCESS: config-scripts-user ran successfully",
	"url_helper.py[DEBUG]: [0/1] open 'http://169.254.169.254/metadata/instance?api-version=2021-02-01' with {'url': ..., 'allow_redirects': True} configuration",
	"+ retrycmd_if_failure 120 5 25 systemctl enable --now kubelet",
	"Executed cse-main.sh, exit code 0",
}

// appendNodeLine appends a line of a node log: cloud-init's form, with an
// indented traceback, a blank line, or bytes that are not text now and
// then.
func (g *lineGen) appendNodeLine(b []byte) []byte {
	g.tick()
	b = append(b, g.sys...)
	b = append(b, ',')
	ms := (g.now % 1e9) / 1e6
	b = append(b, byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
	b = append(b, " - "...)
	b = append(b, nodeMessages[g.rng.IntN(len(nodeMessages))]...)
	b = append(b, " #"...)
	b = strconv.AppendUint(b, g.seq, 10)
	b = append(b, '\n')
	switch g.rng.IntN(50) {
	case 0:
		b = append(b, "Traceback (most recent call last):\n  File \"/usr/lib/python3/dist-packages/cloudinit/util.py\", line 2178, in subp\n    raise ProcessExecutionError(\n"...)
	case 1:
		b = append(b, '\n')
	case 2: // what a line reader would change: not UTF-8, NUL, CRLF, trailing blanks
		b = append(b, "Stdout: \xff\xfe\x00 binary from a command \t \r\n"...)
	}
	return b
}
