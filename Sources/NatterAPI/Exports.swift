// The API's closed sets of values are NatterCore's own enums, so the
// session-state engine and every front end agree on them by construction and
// a typo is a compile error. Front ends get exactly these from NatterCore, and
// nothing else (NatterCore itself imports only Foundation).
@_exported public import enum NatterCore.DeliveryState
@_exported public import enum NatterCore.DetectorSignal
@_exported public import enum NatterCore.DisplayLanguage
@_exported public import enum NatterCore.PresenceStatus
@_exported public import enum NatterCore.SessionState
@_exported public import enum NatterCore.MessageDirection
