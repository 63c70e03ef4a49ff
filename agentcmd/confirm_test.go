package agentcmd

import (
	"strings"
	"testing"
)

func TestIsConfirmation(t *testing.T) {
	yes := []string{
		"confirm", "confirmed", "Confirm.", "confirmo", "Confirmado", "sí, confirmo", "ok confirm", "CONFIRMO!!",
		"Confirmed, thanks!", "Confirmed, thank you", "Yes, confirmed.", "I confirm", "I can confirm.",
		"We confirm, thanks", "'confirm'", "“Confirm”", "«confirmo»", "Okay, confirmed 👍",
		"Si confirmo", "Confirmado, muchas gracias", "Vale, confirmo.", "Perfecto, confirmado",
		"De acuerdo, confirmo", "Todo bien, confirmo", "Confirmamos", "Confirmar",
		"\n\n  Confirm\n\nThe rest is not read.",
		"Confirmado\r\n\r\nSaludos",
		// One greeting line above the answer is skipped.
		"Hola Ana,\n\nConfirmo, gracias.", "Hi team,\nconfirmed", "Buenos días,\r\nconfirmado.",
	}
	no := []string{
		"", "   \n ", "ok", "yes", "gracias", "Thanks!",
		"I can't confirm, it still fails", "I can’t confirm", "I cannot confirm", "I can not confirm",
		"no confirmo", "No, confirmo que sigue fallando", "not confirmed", "Not confirmed yet",
		"¿confirmo?", "confirm?", "Confirmed?", "Can you confirm", "You confirm", "Please confirm",
		"Confirmo que sigue fallando", "Confirmed that it still fails", "Confirm, but the login still fails",
		"Todavía no confirmo", "Aún no puedo confirmar", "No lo confirmo", "Don't confirm yet",
		"I will confirm tomorrow", "Let me confirm with my team", "Confirmaré mañana", "unconfirmed",
		"Confirmation pending", "confirm 2", "Re: confirm", "Sí", "de confirmo",
		"Yes I confirm, thank you very much indeed", // too long to be sure
		"The mail still bounces.\nconfirm",          // the first line is not a confirmation
		"Hola, no\nconfirmo",                        // a negation is not a greeting
		"Hola,\nBuenas,\nconfirmo",                  // one greeting only
		"Hi, can you\nconfirm",                      // nor is a question begun
		"Hola?\nconfirmo",
		"Hi, can you,\nconfirm",
		"Hola, ¿puedes\nconfirmar",
		"Hola, por favor:\nconfirmar",
		strings.Repeat("confirm ", 100),
		strings.Repeat("\n", 5000) + "confirm", // beyond what is read
	}
	for _, s := range yes {
		if !IsConfirmation(s) {
			t.Errorf("IsConfirmation(%q) = false, want true", s)
		}
	}
	for _, s := range no {
		if IsConfirmation(s) {
			t.Errorf("IsConfirmation(%q) = true, want false", s)
		}
	}
}

func FuzzIsConfirmation(f *testing.F) {
	for _, s := range []string{"confirm", "sí, confirmo", "no confirmo", "Hola,\nconfirmo", "¿confirmo?"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		IsConfirmation(s) // must not panic
		// Whatever follows, a first line that starts by denying or asking
		// is never a confirmation.
		for _, p := range []string{"no ", "not ", "¿", "I can't ", "please "} {
			if IsConfirmation(p + s) {
				t.Fatalf("IsConfirmation(%q) = true", p+s)
			}
		}
	})
}
