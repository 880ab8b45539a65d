/// The passwords and words people reach for first, most common first, for
/// ``PassphraseStrength``. Any of them costs an attacker about log2(rank)
/// guesses, however long it is.
///
/// Written by hand for natter from the entries that top the widely published
/// yearly lists of leaked passwords (SplashData, NordPass, the Have I Been
/// Pwned top lists), plus the months, seasons, days and office words that
/// company passwords are made of. No list was copied; it is part of natter
/// under natter's licence. Short on purpose: it catches the obvious, it is
/// not a dictionary.
enum PassphraseWords {
    static let list: [String] = [
        "123456", "password", "123456789", "12345678", "12345", "qwerty", "1234567", "111111", "1234567890", "123123",
        "abc123", "1234", "password1", "iloveyou", "1q2w3e4r", "000000", "qwerty123", "zaq12wsx", "dragon", "sunshine",
        "princess", "letmein", "654321", "monkey", "27653", "1qaz2wsx", "123321", "qwertyuiop", "superman", "asdfghjkl",
        "football", "baseball", "welcome", "admin", "master", "shadow", "michael", "jennifer", "hello", "freedom",
        "whatever", "trustno1", "secret", "changeme", "passw0rd", "p@ssw0rd", "p@ssword", "login", "starwars", "pokemon",
        "charlie", "donald", "batman", "access", "mustang", "ninja", "azerty", "solo", "loveme", "flower",
        "hottie", "lovely", "google", "computer", "internet", "killer", "soccer", "hockey", "ranger", "harley",
        "thomas", "jordan", "hunter", "buster", "daniel", "andrew", "joshua", "pepper", "ginger", "summer",
        "winter", "spring", "autumn", "fall", "january", "february", "march", "april", "may", "june",
        "july", "august", "september", "october", "november", "december", "monday", "tuesday", "wednesday", "thursday",
        "friday", "saturday", "sunday", "office", "company", "team", "teams", "natter", "chat", "work",
        "welcome1", "welcomeback", "newyork", "london", "berlin", "paris", "love", "god", "jesus", "money",
        "cheese", "coffee", "chocolate", "cookie", "banana", "orange", "apple", "purple", "yellow", "silver",
        "golden", "diamond", "tigger", "maggie", "bailey", "matrix", "secure", "security", "private", "default",
        "guest", "root", "test", "testing", "demo", "temp", "temporary", "letmein1", "iloveyou1", "mypassword",
        "ourpassword", "teampassword", "officepassword", "supersecret", "topsecret", "opensesame", "correcthorsebatterystaple",
        "thequickbrownfox", "thequickbrownfoxjumpsoverthelazydog", "lorem", "ipsum", "loremipsum", "qazwsx", "passpass", "password123",
    ]

    static let ranks: [String: Int] = {
        var ranks: [String: Int] = [:]
        for (rank, word) in list.enumerated() where ranks[word] == nil { ranks[word] = rank }
        return ranks
    }()

    /// The position in the list (0 = most common), or nil.
    static func rank(of lowercased: String) -> Int? { ranks[lowercased] }
}
