package nn

import (
	"fmt"
	"strings"
)

// Group puts several models in one, for a custom training step that trains them together (a
// GAN's generator and discriminator, an actor and a critic): their weights live in the group,
// Fit(...).Step(...) trains them, Save, Load and Memo keep them together, and each model is
// used on its own afterwards (G.Predict(noise)).
//
//	G, D := generator().Named("G"), discriminator().Named("D")
//	gan := nn.Group(G, D)
//	hist := nb.Must(gan.Fit(images).Step(ganStep).Epochs(30).Memo("gan"))
//	samples := nb.Must(G.Predict(noise))
//
// Models without a name are called "model_1", "model_2", ... by their position. A model that
// already has weights of its own (built or trained before) cannot join a group: Fit, Save and
// Memo then report it.
func Group(models ...*Model) *Model {
	g := &Model{members: models, seed: DefaultSeed}
	store := g.Store()
	seen := map[string]bool{}
	for i, m := range models {
		if m == nil {
			g.err = fmt.Errorf("nn.Group: model %d is nil", i+1)
			return g
		}
		name := m.name
		if name == "" {
			name = fmt.Sprintf("model_%d", i+1)
		}
		if seen[name] || strings.ContainsAny(name, "/ ") {
			g.err = fmt.Errorf("nn.Group: two models are called %q, or the name has a / or a space: give each a simple name with Named", name)
			return g
		}
		seen[name] = true
		if err := m.bind(store, "/"+name, g); err != nil {
			g.err = fmt.Errorf("nn.Group: %w", err)
			return g
		}
		if m.name == "" {
			m.name = name
		}
	}
	return g
}

// Models returns the models of a Group (nil for other models).
func (m *Model) Models() []*Model { return m.members }
