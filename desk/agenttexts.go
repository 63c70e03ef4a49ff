package desk

import (
	"fmt"
	"time"

	"github.com/casemail/casemail/sla"
)

// What the desk tells agents, in the agents' language (notify's
// default_language: the wrapper of their notifications is in that language
// too). Notes recorded on messages stay in English: they are for the
// operator's log and the JSON contract.
type agentText int

const (
	atCase agentText = iota
	atKindStatus
	atAccount
	atTAM
	atAssignee
	atNobody
	atDue
	atNewCase
	atFrom
	atNewMessage
	atNotConfirmed
	atWroteAgain
	atConfirmed
	atDMARCHeld
	atAgentHeld
	atCommandsRefused
	atCorrectThem
	atHelp
	atReminder
	atEscalation
	atClosed
	atClockFirstResponse
	atClockUpdate
	atClockResolution
	atUnverified
)

var agentTexts = map[string]map[agentText]string{
	"en": {
		atCase:            "Case #%d: %s",
		atKindStatus:      "Kind: %s · Status: %s · Customer: %s",
		atAccount:         "Account: %s (%s)",
		atTAM:             " · TAM: %s",
		atAssignee:        "Assignee: %s",
		atNobody:          "nobody yet: the first agent who answers",
		atDue:             "SLA %s due %s",
		atNewCase:         "New case",
		atFrom:            "%s from %s:",
		atNewMessage:      "New message",
		atNotConfirmed:    "The customer did not confirm the proposed resolution; the case is open again",
		atWroteAgain:      "The customer wrote again; the resolved case is open again",
		atConfirmed:       "The customer confirmed the resolution: the case is resolved.",
		atDMARCHeld:       "A reply that failed DMARC (%s) was held for review and changed nothing.",
		atAgentHeld:       "A message for case #%d that claims to be from you, or that used a reply address issued to you, was held for review and not sent to the customer.\n\nFrom: %s\nWhy: %s\n\nIf you wrote it, reply to a notification from casemail from your own mail account. If you did not, someone is trying to write to your customer as you.",
		atCommandsRefused: "Your reply to case #%d was not sent to the customer and changed nothing, because of its commands:",
		atCorrectThem:     "Correct them and reply again.",
		atHelp: "Reply to this message to answer the customer. Commands on the first lines of your reply:\n" +
			"#note (internal, not sent) · #resolve · #status open|waiting · #assign agent@… · #kind problem|configuration|information · #update · #now",
		atReminder:           "Reminder: the %s for case #%d is due %s.",
		atEscalation:         "Escalation: the %s for case #%d was due %s and has not happened.",
		atClosed:             "The customer did not answer the proposed resolution in %d business days: the case is closed as resolved.",
		atClockFirstResponse: "first response",
		atClockUpdate:        "progress update",
		atClockResolution:    "resolution",
		atUnverified:         "A message whose sender could not be verified (it changed nothing)",
	},
	"es": {
		atCase:            "Caso #%d: %s",
		atKindStatus:      "Tipo: %s · Estado: %s · Cliente: %s",
		atAccount:         "Cuenta: %s (%s)",
		atTAM:             " · TAM: %s",
		atAssignee:        "Asignado a: %s",
		atNobody:          "nadie todavía: el primer agente que responda",
		atDue:             "SLA %s vence %s",
		atNewCase:         "Caso nuevo",
		atFrom:            "%s de %s:",
		atNewMessage:      "Mensaje nuevo",
		atNotConfirmed:    "El cliente no confirmó la solución propuesta; el caso vuelve a estar abierto",
		atWroteAgain:      "El cliente ha vuelto a escribir; el caso resuelto vuelve a estar abierto",
		atConfirmed:       "El cliente confirmó la solución: el caso está resuelto.",
		atDMARCHeld:       "Una respuesta que no pasó DMARC (%s) quedó retenida para revisión y no cambió nada.",
		atAgentHeld:       "Un mensaje para el caso #%d que dice venir de usted, o que usó una dirección de respuesta emitida para usted, quedó retenido para revisión y no se envió al cliente.\n\nDe: %s\nMotivo: %s\n\nSi lo escribió usted, responda a una notificación de casemail desde su propia cuenta de correo. Si no, alguien intenta escribir a su cliente haciéndose pasar por usted.",
		atCommandsRefused: "Su respuesta al caso #%d no se envió al cliente y no cambió nada, por sus comandos:",
		atCorrectThem:     "Corríjalos y responda de nuevo.",
		atHelp: "Responda a este mensaje para contestar al cliente. Comandos en las primeras líneas de su respuesta:\n" +
			"#note (interna, no se envía) · #resolve · #status open|waiting · #assign agente@… · #kind problem|configuration|information · #update · #now",
		atReminder:           "Recordatorio: la %s del caso #%d vence %s.",
		atEscalation:         "Escalado: la %s del caso #%d vencía %s y no se ha producido.",
		atClosed:             "El cliente no respondió a la solución propuesta en %d días laborables: el caso se cierra como resuelto.",
		atClockFirstResponse: "primera respuesta",
		atClockUpdate:        "actualización de progreso",
		atClockResolution:    "resolución",
		atUnverified:         "Un mensaje cuyo remitente no se pudo verificar (no cambió nada)",
	},
}

// say returns text t in the agents' language, formatted with args.
func (d *Desk) say(t agentText, args ...any) string {
	m, ok := agentTexts[d.opt.AgentLanguage]
	if !ok {
		m = agentTexts["en"]
	}
	if len(args) == 0 {
		return m[t]
	}
	return fmt.Sprintf(m[t], args...)
}

// help is the command reminder at the foot of mail to agents.
func (d *Desk) help() string { return "\n\n--\n" + d.say(atHelp) }

func (d *Desk) clockName(c sla.Clock) string {
	switch c {
	case sla.ClockFirstResponse:
		return d.say(atClockFirstResponse)
	case sla.ClockUpdate:
		return d.say(atClockUpdate)
	}
	return d.say(atClockResolution)
}

var (
	esDays   = [...]string{"dom", "lun", "mar", "mié", "jue", "vie", "sáb"}
	esMonths = [...]string{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"}
)

// when formats a due time in the business-hours timezone, with the day and
// month names of the agents' language.
func (d *Desk) when(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	if d.opt.AgentLanguage == "es" {
		return fmt.Sprintf("%s %d %s %s", esDays[t.Weekday()], t.Day(), esMonths[t.Month()-1], t.Format("15:04 MST"))
	}
	return t.Format("Mon 2 Jan 15:04 MST")
}
