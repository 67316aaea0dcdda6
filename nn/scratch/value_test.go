package scratch

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/godl-course/godl/tensor"
)

func TestValueChainRuleHandComputed(t *testing.T) {
	// L = (a·b + c)·f with a=2, b=−3, c=10, f=−2: L = −8.
	a, b, c, f := NewValue(2).Named("a"), NewValue(-3).Named("b"), NewValue(10).Named("c"), NewValue(-2).Named("f")
	e := a.Mul(b).Named("e")
	d := e.Add(c).Named("d")
	L := d.Mul(f).Named("L")
	L.Backward()
	// ∂L/∂d = f = −2, ∂L/∂f = d = 4; through "+": ∂L/∂c = ∂L/∂e = −2; through "*": ∂L/∂a = b·(−2) = 6, ∂L/∂b = a·(−2) = −4.
	for _, w := range []struct {
		v          *Value
		data, grad float64
	}{{L, -8, 1}, {d, 4, -2}, {f, -2, 4}, {c, 10, -2}, {e, -6, -2}, {a, 2, 6}, {b, -3, -4}} {
		if w.v.Data != w.data || w.v.Grad != w.grad {
			t.Errorf("%s: want data=%v grad=%v", w.v, w.data, w.grad)
		}
	}
	if L.Op != "*" || !slices.Equal(L.Prev, []*Value{d, f}) || a.Op != "" || a.Prev != nil {
		t.Fatalf("graph not recorded: L.Op=%q L.Prev=%v a.Op=%q", L.Op, L.Prev, a.Op)
	}
	if s := L.String(); s != "Value(L = *: data=-8 grad=1)" {
		t.Fatalf("String() = %q", s)
	}
	if s := NewValue(0.5).String(); s != "Value(leaf: data=0.5 grad=0)" {
		t.Fatalf("String() = %q", s)
	}
	if s := a.Add(b).String(); s != "Value(+: data=-1 grad=0)" {
		t.Fatalf("String() = %q", s)
	}

	// A neuron: o = tanh(x1 w1 + x2 w2 + b), with n = 0.8814 so that o = 1/√2 and 1 − o² = 1/2.
	x1, x2, w1, w2 := NewValue(2), NewValue(0), NewValue(-3), NewValue(1)
	bias := NewValue(6.881373587019543)
	o := x1.Mul(w1).Add(x2.Mul(w2)).Add(bias).Tanh()
	o.Backward()
	if math.Abs(o.Data-math.Sqrt(0.5)) > 1e-12 {
		t.Fatalf("o = %v, want 1/√2", o.Data)
	}
	for _, w := range []struct {
		name string
		got  float64
		want float64
	}{{"x1", x1.Grad, -1.5}, {"w1", w1.Grad, 1}, {"x2", x2.Grad, 0.5}, {"w2", w2.Grad, 0}, {"b", bias.Grad, 0.5}} {
		if math.Abs(w.got-w.want) > 1e-12 {
			t.Errorf("∂o/∂%s = %v, want %v", w.name, w.got, w.want)
		}
	}
}

func TestValueReuseAndRepeatedBackward(t *testing.T) {
	a := NewValue(3)
	y := a.Mul(a).Add(a) // y = a² + a, dy/da = 2a + 1 = 7
	y.Backward()
	if a.Grad != 7 {
		t.Fatalf("a used three times: grad %v, want 7 (contributions must add up)", a.Grad)
	}
	y.Backward()
	if a.Grad != 7 {
		t.Fatalf("a second Backward must give the same gradient, got %v", a.Grad)
	}
}

func TestValueTopo(t *testing.T) {
	a, b := NewValue(1).Named("a"), NewValue(2).Named("b")
	s := a.Add(b)
	p := s.Mul(a)
	L := p.Add(s).Tanh()
	topo := L.Topo()
	if len(topo) != 6 || topo[len(topo)-1] != L {
		t.Fatalf("topo has %d nodes ending with %v, want the 6 distinct nodes ending with L", len(topo), topo[len(topo)-1])
	}
	pos := map[*Value]int{}
	for i, n := range topo {
		if _, dup := pos[n]; dup {
			t.Fatalf("%v listed twice", n)
		}
		pos[n] = i
	}
	for _, n := range topo {
		for _, p := range n.Prev {
			if pos[p] >= pos[n] {
				t.Fatalf("%v comes before its operand %v", n, p)
			}
		}
	}
}

// Every operation's gradient agrees with central differences, via GradCheck on a function
// that uses them all.
func TestValueGradCheckAllOps(t *testing.T) {
	build := func(x []float64) (*Value, []*Value) {
		v := []*Value{NewValue(x[0]), NewValue(x[1]), NewValue(x[2])}
		q := v[2].Pow(2).Add(NewValue(1))
		out := Sum(
			v[0].Exp().Mul(v[1].Tanh()).Div(q),
			q.Log(),
			v[0].ReLU().Neg(),
			v[1].Sigmoid().Mul(v[0]),
			v[1].Sub(v[2]).Pow(3),
		)
		return out, v
	}
	for _, x0 := range [][]float64{{0.5, -1.2, 0.7}, {-0.8, 0.3, -2}} {
		x := tensor.New(slicesClone(x0), 3)
		out, leaves := build(x.Data)
		out.Backward()
		analytic := tensor.Zeros(3)
		for i, l := range leaves {
			analytic.Data[i] = l.Grad
		}
		r := GradCheck(func(x *tensor.Tensor) float64 { v, _ := build(x.Data); return v.Data }, x, analytic)
		if !r.OK() || r.RelErr > 1e-8 {
			t.Fatalf("at %v: %s", x0, r)
		}
	}
	if op := NewValue(2).Pow(0.5).Op; op != "^0.5" {
		t.Fatalf("Pow op = %q", op)
	}
}

func slicesClone(s []float64) []float64 { return append([]float64(nil), s...) }

func TestValueNilOperand(t *testing.T) {
	mustPanicWith(t, func() { NewValue(1).Mul(nil) }, "Value.Mul", "nil", "NewValue")
	if !strings.Contains(Sum().String(), "data=0") {
		t.Fatal("Sum() of nothing is 0")
	}
}
