package desk

// Customer-facing sentences the desk adds, in the case's language. The
// mail around them comes from notify's templates.
type text int

const (
	proposeText text = iota
	remindText
	closedText
)

var texts = map[string]map[text]string{
	"en": {
		proposeText: "We believe this is solved. Please reply \"confirm\" to close the case, or tell us what is still wrong.",
		remindText:  "We proposed a resolution for this case and have not heard from you. Please reply \"confirm\" to close it, or tell us what is still wrong; otherwise we will close it soon.",
		closedText:  "We have closed this case, as we did not hear back after proposing a resolution. If the problem comes back, simply reply to this message.",
	},
	"es": {
		proposeText: "Creemos que esto está resuelto. Responda \"confirmo\" para cerrar el caso, o díganos qué sigue fallando.",
		remindText:  "Le propusimos una solución para este caso y no hemos recibido respuesta. Responda \"confirmo\" para cerrarlo, o díganos qué sigue fallando; si no, lo cerraremos en breve.",
		closedText:  "Hemos cerrado este caso, ya que no recibimos respuesta tras proponer una solución. Si el problema vuelve, basta con responder a este mensaje.",
	},
}

func phrase(lang string, t text) string {
	if m, ok := texts[lang]; ok {
		return m[t]
	}
	return texts["en"][t]
}
