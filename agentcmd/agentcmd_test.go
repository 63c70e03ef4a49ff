package agentcmd

import (
	"reflect"
	"strings"
	"testing"
)

// wantErr names the line of an expected error and words its Problem or Fix
// must contain.
type wantErr struct {
	line int
	has  string
}

func TestParse(t *testing.T) {
	c := func(op Op, arg string, line int) Command { return Command{Op: op, Arg: arg, Line: line} }
	tests := []struct {
		name string
		in   string
		cmds []Command
		text string
		errs []wantErr
	}{
		{name: "plain reply", in: "Hola Ana,\n\nya está.\n", text: "Hola Ana,\n\nya está."},
		{name: "empty", in: ""},
		{name: "blank only", in: " \n\t\n"},
		{name: "one command", in: "#resolve\nThe DNS record is fixed.", cmds: []Command{c(OpResolve, "", 1)},
			text: "The DNS record is fixed."},
		{name: "resolve without text", in: "#resolve", cmds: []Command{c(OpResolve, "", 1)}},
		{name: "leading blank lines", in: "\n\n  #now\n\nHello", cmds: []Command{c(OpNow, "", 3)}, text: "Hello"},
		{name: "combination", in: "#kind configuration\n#assign Luis@Example.COM\n#note\nCustomer called, wants MX changed.",
			cmds: []Command{c(OpKind, "configuration", 1), c(OpAssign, "luis@example.com", 2), c(OpNote, "", 3)},
			text: "Customer called, wants MX changed."},
		{name: "blank lines between commands", in: "#status waiting\n\n#now\n\nWe need your logs.",
			cmds: []Command{c(OpStatus, "waiting", 1), c(OpNow, "", 3)}, text: "We need your logs."},
		{name: "case-insensitive", in: "#STATUS Open\n#Update\nStill on it.",
			cmds: []Command{c(OpStatus, "open", 1), c(OpUpdate, "", 2)}, text: "Still on it."},
		{name: "colon and full stop", in: "#status: waiting.\nhi", cmds: []Command{c(OpStatus, "waiting", 1)}, text: "hi"},
		{name: "hash later is text", in: "Hi,\n#1 priority is the DNS.\n#resolve", text: "Hi,\n#1 priority is the DNS.\n#resolve"},
		{name: "digit after hash is text", in: "#1 priority is the DNS.\n#now", text: "#1 priority is the DNS.\n#now"},
		{name: "markdown heading is text", in: "# Steps\n1. restart", text: "# Steps\n1. restart"},
		{name: "lone hash is text", in: "#\n#now", text: "#\n#now"},
		{name: "double hash is text", in: "## notes", text: "## notes"},
		{name: "commands end at text", in: "#now\nHello\n#note\nbye", cmds: []Command{c(OpNow, "", 1)}, text: "Hello\n#note\nbye"},
		{name: "kind aliases", in: "#kind config", cmds: []Command{c(OpKind, "configuration", 1)}},
		{name: "kind info", in: "#type Info", cmds: []Command{c(OpKind, "information", 1)}},
		{name: "duplicate identical", in: "#now\n#NOW\nx", cmds: []Command{c(OpNow, "", 1)}, text: "x"},
		{name: "assign angle brackets", in: "#assign <ana@example.es>", cmds: []Command{c(OpAssign, "ana@example.es", 1)}},
		{name: "assign mailto", in: "#assign mailto:Ana@Example.es", cmds: []Command{c(OpAssign, "ana@example.es", 1)}},
		{name: "assign utf8", in: "#assign josé@ejemplo.es", cmds: []Command{c(OpAssign, "josé@ejemplo.es", 1)}},

		// Errors: the agent mistyped; the caller changes nothing.
		{name: "typo", in: "#reslove\nFixed.", text: "Fixed.", errs: []wantErr{{1, "#resolve"}}},
		{name: "typo note", in: "#ntoe\nx", text: "x", errs: []wantErr{{1, "#note"}}},
		{name: "unknown far", in: "#banana\nx", text: "x", errs: []wantErr{{1, "the commands are"}}},
		{name: "close hint", in: "#close", errs: []wantErr{{1, "customer confirms"}}},
		{name: "hashtag at top", in: "#MeToo was trending\nHello", text: "Hello", errs: []wantErr{{1, "unknown command"}}},
		{name: "status missing", in: "#status\nx", text: "x", errs: []wantErr{{1, "open or waiting"}}},
		{name: "status invalid", in: "#status pending\nx", text: "x", errs: []wantErr{{1, "not \"pending\""}}},
		{name: "status typo", in: "#status opne", errs: []wantErr{{1, "#status open?"}}},
		{name: "status resolved", in: "#status resolved", errs: []wantErr{{1, "use #resolve"}}},
		{name: "status conflict", in: "#status open\n#status waiting\nx", text: "x",
			cmds: []Command{c(OpStatus, "open", 1)}, errs: []wantErr{{2, "contradicts #status open on line 1"}}},
		{name: "kind invalid", in: "#kind urgent", errs: []wantErr{{1, "problem, configuration or information"}}},
		{name: "kind typo", in: "#kind configuraton", errs: []wantErr{{1, "#kind configuration?"}}},
		{name: "assign missing", in: "#assign\nx", text: "x", errs: []wantErr{{1, "needs the address"}}},
		{name: "assign two", in: "#assign a@example.com b@example.com", errs: []wantErr{{1, "one address"}}},
		{name: "assign display name", in: "#assign Luis <luis@example.com>", errs: []wantErr{{1, "one address"}}},
		{name: "assign not address", in: "#assign luis", errs: []wantErr{{1, "not an email address"}}},
		{name: "assign dotless", in: "#assign luis@example", errs: []wantErr{{1, "not an email address"}}},
		{name: "assign two ats", in: "#assign a@b@example.com", errs: []wantErr{{1, "not an email address"}}},
		{name: "assign conflict", in: "#assign a@example.com\n#assign b@example.com",
			cmds: []Command{c(OpAssign, "a@example.com", 1)}, errs: []wantErr{{2, "contradicts"}}},
		{name: "extra argument", in: "#resolve Thanks, fixed now.", cmds: nil,
			errs: []wantErr{{1, "takes nothing after it"}}},
		{name: "note with resolve", in: "#note\n#resolve\nx", text: "x",
			cmds: []Command{c(OpNote, "", 1), c(OpResolve, "", 2)}, errs: []wantErr{{2, "never sent"}}},
		{name: "now with note", in: "#now\n#note\nx", text: "x",
			cmds: []Command{c(OpNow, "", 1), c(OpNote, "", 2)}, errs: []wantErr{{2, "never sent"}}},
		{name: "update with note", in: "#update\n#nota\nx", text: "x",
			cmds: []Command{c(OpUpdate, "", 1), c(OpNote, "", 2)}, errs: []wantErr{{2, "never sent"}}},
		{name: "resolve with status", in: "#resolve\n#status waiting\nx", text: "x",
			cmds: []Command{c(OpResolve, "", 1), c(OpStatus, "waiting", 2)}, errs: []wantErr{{2, "already sets the status"}}},
		{name: "resolve with update", in: "#update\n#resolve\nx", text: "x",
			cmds: []Command{c(OpUpdate, "", 1), c(OpResolve, "", 2)}, errs: []wantErr{{2, "not a progress update"}}},
		{name: "update without text", in: "#update", cmds: []Command{c(OpUpdate, "", 1)},
			errs: []wantErr{{1, "no text to send"}}},
		{name: "now without text", in: "#assign a@example.com\n#now",
			cmds: []Command{c(OpAssign, "a@example.com", 1), c(OpNow, "", 2)}, errs: []wantErr{{2, "no text to send"}}},
		{name: "good commands kept beside a bad one", in: "#kind problem\n#reslove\n#assign x@example.com\nHi",
			cmds: []Command{c(OpKind, "problem", 1), c(OpAssign, "x@example.com", 3)}, text: "Hi",
			errs: []wantErr{{2, "#resolve"}}},
		{name: "one reason per line", in: "#update\n#now\n#note\nx", text: "x",
			cmds: []Command{c(OpUpdate, "", 1), c(OpNow, "", 2), c(OpNote, "", 3)}, errs: []wantErr{{3, "#update on line 1"}}},
		{name: "errors in line order", in: "#note\n#foo\n#now\nx", text: "x",
			cmds: []Command{c(OpNote, "", 1), c(OpNow, "", 3)}, errs: []wantErr{{2, "unknown"}, {3, "never sent"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, Parse(tt.in), tt.cmds, tt.text, tt.errs)
		})
	}
}

// TestParseClients feeds replies as real mail clients deliver them.
func TestParseClients(t *testing.T) {
	c := func(op Op, arg string, line int) Command { return Command{Op: op, Arg: arg, Line: line} }
	tests := []struct {
		name string
		in   string
		cmds []Command
		text string
		errs []wantErr
	}{
		{name: "Outlook CRLF", in: "#kind configuration\r\n#assign Luis@Example.com\r\n\r\nHola Ana,\r\n\r\nYa está configurado.\r\n",
			cmds: []Command{c(OpKind, "configuration", 1), c(OpAssign, "luis@example.com", 2)},
			text: "Hola Ana,\n\nYa está configurado."},
		{name: "Outlook mailto link", in: "#assign luis@example.com<mailto:luis@example.com>\r\nHi",
			cmds: []Command{c(OpAssign, "luis@example.com", 1)}, text: "Hi"},
		{name: "Outlook mailto link spaced", in: "#assign Luis@example.com <mailto:luis@example.com>\r\nHi",
			cmds: []Command{c(OpAssign, "luis@example.com", 1)}, text: "Hi"},
		{name: "invalid UTF-8 before mailto (fuzz)", in: "#Assign\xff<mAilto:>", errs: []wantErr{{1, "two different addresses"}}},
		{name: "mailto link differs", in: "#assign luis@example.com<mailto:eve@example.com>",
			errs: []wantErr{{1, "two different addresses"}}},
		{name: "Outlook nbsp lines", in: "\u00a0\r\n#resolve\r\n\u00a0\r\nDear John,\r\nfixed.",
			cmds: []Command{c(OpResolve, "", 2)}, text: "Dear John,\nfixed."},
		{name: "zero-width and BOM", in: "\ufeff#now\u200b\n\u200b\nHello", cmds: []Command{c(OpNow, "", 1)}, text: "Hello"},
		{name: "old Mac CR", in: "#update\rStill working on it.\r", cmds: []Command{c(OpUpdate, "", 1)},
			text: "Still working on it."},
		{name: "tabs and indent", in: "\t#status\twaiting\n   #now\nPlease send logs.",
			cmds: []Command{c(OpStatus, "waiting", 1), c(OpNow, "", 2)}, text: "Please send logs."},
		{name: "autocapitalised phone", in: "#Kind Problem\n#Now\nOn it.",
			cmds: []Command{c(OpKind, "problem", 1), c(OpNow, "", 2)}, text: "On it."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, Parse(tt.in), tt.cmds, tt.text, tt.errs)
		})
	}
}

func TestParseSpanish(t *testing.T) {
	c := func(op Op, arg string, line int) Command { return Command{Op: op, Arg: arg, Line: line} }
	tests := []struct {
		name string
		in   string
		cmds []Command
		text string
		errs []wantErr
	}{
		{name: "nota", in: "#nota\nEl cliente llamó.", cmds: []Command{c(OpNote, "", 1)}, text: "El cliente llamó."},
		{name: "resolver", in: "#Resolver\nListo.", cmds: []Command{c(OpResolve, "", 1)}, text: "Listo."},
		{name: "estado abierto", in: "#estado abierto", cmds: []Command{c(OpStatus, "open", 1)}},
		{name: "estado esperando", in: "#estado: Esperando", cmds: []Command{c(OpStatus, "waiting", 1)}},
		{name: "estado en espera", in: "#estado en  espera", cmds: []Command{c(OpStatus, "waiting", 1)}},
		{name: "asignar", in: "#asignar Maria@Ejemplo.es", cmds: []Command{c(OpAssign, "maria@ejemplo.es", 1)}},
		{name: "tipo problema", in: "#tipo problema", cmds: []Command{c(OpKind, "problem", 1)}},
		{name: "tipo configuración accent", in: "#tipo Configuración", cmds: []Command{c(OpKind, "configuration", 1)}},
		{name: "tipo configuracion", in: "#tipo configuracion", cmds: []Command{c(OpKind, "configuration", 1)}},
		{name: "tipo información", in: "#TIPO INFORMACIÓN", cmds: []Command{c(OpKind, "information", 1)}},
		{name: "actualización accent", in: "#actualización\nSeguimos.", cmds: []Command{c(OpUpdate, "", 1)}, text: "Seguimos."},
		{name: "actualizacion", in: "#actualizacion\nSeguimos.", cmds: []Command{c(OpUpdate, "", 1)}, text: "Seguimos."},
		{name: "ahora", in: "#ahora\nHola.", cmds: []Command{c(OpNow, "", 1)}, text: "Hola."},
		{name: "mixed languages", in: "#tipo config\n#assign ana@example.es\n#nota\nllamar mañana",
			cmds: []Command{c(OpKind, "configuration", 1), c(OpAssign, "ana@example.es", 2), c(OpNote, "", 3)},
			text: "llamar mañana"},
		{name: "resolver typo", in: "#resovler", errs: []wantErr{{1, "#resolver"}}},
		{name: "cerrar hint", in: "#cerrar", errs: []wantErr{{1, "use #resolve"}}},
		{name: "estado cerrado", in: "#estado cerrado", errs: []wantErr{{1, "use #resolve"}}},
		{name: "estado typo", in: "#estado esperado", errs: []wantErr{{1, "#estado esperando?"}}},
		{name: "nota with ahora", in: "#nota\n#ahora\nx", text: "x",
			cmds: []Command{c(OpNote, "", 1), c(OpNow, "", 2)}, errs: []wantErr{{2, "never sent"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, Parse(tt.in), tt.cmds, tt.text, tt.errs)
		})
	}
}

func TestParseLimits(t *testing.T) {
	// Commands beyond the first maxLines lines are reported, not sent.
	in := strings.Repeat("#now\n", maxLines) + "\n\n#note\nhello"
	got := Parse(in)
	if len(got.Errors) != 1 || got.Errors[0].Line != maxLines+3 || !strings.Contains(got.Errors[0].Problem, "first 50 lines") {
		t.Fatalf("errors %+v", got.Errors)
	}
	// Blank lines count towards the limit too; text after them is text.
	in = strings.Repeat("\n", maxLines) + "#now\nhi"
	if got := Parse(in); len(got.Errors) != 1 || got.Text != "#now\nhi" {
		t.Fatalf("got %+v", got)
	}
	// A huge single line is quoted back cut short.
	got = Parse("#" + strings.Repeat("x", 1<<20))
	if len(got.Errors) != 1 || len([]rune(got.Errors[0].Input)) > maxInput+1 {
		t.Fatalf("input not cut: %d runes", len([]rune(got.Errors[0].Input)))
	}
	// A long body after the commands is kept whole.
	body := strings.Repeat("line\n", 10000)
	if got := Parse("#now\n" + body); got.Text != strings.TrimSpace(body) || len(got.Errors) != 0 {
		t.Fatalf("body changed or errors %+v", got.Errors)
	}
}

func TestErrorString(t *testing.T) {
	e := Parse("\n#reslove").Errors[0]
	if got, want := e.Error(), "line 2: #reslove: unknown command; did you mean #resolve?"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestHasGet(t *testing.T) {
	p := Parse("#assign a@example.com\nhi")
	if !p.Has(OpAssign) || p.Has(OpNote) {
		t.Fatal("Has")
	}
	if c, ok := p.Get(OpAssign); !ok || c.Arg != "a@example.com" {
		t.Fatalf("Get = %+v %v", c, ok)
	}
}

func check(t *testing.T, got Parsed, cmds []Command, text string, errs []wantErr) {
	t.Helper()
	if len(got.Commands) != 0 || len(cmds) != 0 {
		if !reflect.DeepEqual(got.Commands, cmds) {
			t.Errorf("commands\n got %+v\nwant %+v", got.Commands, cmds)
		}
	}
	if got.Text != text {
		t.Errorf("text\n got %q\nwant %q", got.Text, text)
	}
	if len(got.Errors) != len(errs) {
		t.Fatalf("errors\n got %+v\nwant %+v", got.Errors, errs)
	}
	for i, w := range errs {
		e := got.Errors[i]
		if e.Line != w.line || !strings.Contains(e.Problem+" | "+e.Fix, w.has) || e.Input == "" || e.Fix == "" {
			t.Errorf("error %d: got %+v, want line %d containing %q", i, e, w.line, w.has)
		}
	}
}
