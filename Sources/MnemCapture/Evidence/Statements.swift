import MnemCore

/// What an agent's final message or a user's reply says about how the work went.
///
/// Phrases are weighed, not merely found: a strong phrase ("all tests pass", "still failing",
/// a pasted traceback) counts 2, a weak one ("done", "unfortunately", "thanks") 1; the side
/// with more weight decides and a tie decides nothing. So "Fixed it; all tests pass.
/// Unfortunately the linter is not installed" is a success and "I could not fix it; the
/// tests still fail" a failure. Each phrase is listed in the forms people write it (tense,
/// contraction, word order), in English and a few other languages agents are used in.
enum Statements {
    struct Reading: Equatable {
        var outcome: Outcome
        /// The phrase that weighed most on the winning side.
        var phrase: String
    }

    // MARK: The agent's final message

    static let agentStrongSuccess = [
        "all tests pass", "all tests are passing", "all tests now pass", "tests pass", "tests are passing", "tests now pass",
        "tests passed", "test passes", "test passed", "passes now", "now passes", "now pass", "all checks pass", "checks pass",
        "build succeeds", "build succeeded", "builds successfully", "build passes", "compiles successfully", "compiles cleanly",
        "fix works", "fix is working", "works correctly", "work correctly", "works as expected", "working correctly",
        "working as expected", "now works", "works now", "is now working", "are now working", "now working", "is fixed", "are fixed",
        "has been fixed", "have been fixed", "i fixed", "i've fixed", "i have fixed", "successfully fixed", "has been resolved",
        "have been resolved", "is resolved", "is now resolved", "resolved the issue", "issue is resolved", "no longer fails",
        "no longer occurs", "no longer raises", "no longer crashes", "no longer errors", "no longer reproduces", "verified that",
        "i verified", "i've verified", "confirmed that", "task is complete", "task complete", "task has been completed",
        "successfully completed", "successfully implemented", "successfully created", "successfully added", "successfully updated",
        // es, fr, de, pt, it, tr, ru, zh, ja, ko
        "funciona correctamente", "ya funciona", "pruebas pasan", "fonctionne correctement", "tests passent", "funktioniert jetzt",
        "tests bestehen", "funciona agora", "testes passam", "funziona correttamente", "test passano", "düzgün çalışıyor", "artık çalışıyor",
        "testler geçti", "работает корректно", "тесты проходят", "测试通过", "已修复", "正常工作", "テストが通", "修正しました", "正常に動作",
        "테스트 통과", "수정했습니다",
    ]
    static let agentWeakSuccess = [
        "done", "complete", "completed", "implemented", "i've implemented", "i have implemented", "has been implemented",
        "have been implemented", "i've added", "i have added", "has been added", "have been added", "i've created", "i have created",
        "has been created", "have been created", "i've updated", "i have updated", "has been updated", "have been updated",
        "successfully", "resolved", "fixed", "all set", "ready to use", "ready for", "✅", "🎉", "created", "added", "updated",
        "wrote", "implemented the", "finished",
        "listo", "terminé", "fertig", "pronto", "tamamlandı", "hazır", "готово", "完成", "完了しました", "完了", "완료",
        "更新しました", "アップデートしました", "作成しました", "追加しました", "実装しました", "已更新", "已完成", "已添加", "已创建",
        "已实现", "업데이트했습니다", "추가했습니다", "구현했습니다", "actualizado", "mis à jour", "aktualisiert", "atualizado",
        "güncellendi", "eklendi", "oluşturuldu", "обновлено", "добавлено", "создано",
    ]
    static let agentStrongFailure = [
        "still fails", "still failing", "still fail", "still broken", "still not working", "still doesn't work", "still does not work",
        "still errors", "still an error", "still raises", "still crashes", "still present", "still occurs", "still reproduces",
        "does not work", "doesn't work", "did not work", "didn't work", "not working", "is not fixed", "isn't fixed", "not resolved",
        "unresolved", "tests fail", "tests are failing", "tests still fail", "test fails", "tests failed", "failing tests",
        "build fails", "build failed", "build is failing", "compilation fails", "compilation failed", "fails to compile",
        "unable to fix", "unable to resolve", "unable to get", "unable to complete", "could not fix", "couldn't fix", "could not resolve",
        "couldn't resolve", "could not get it", "couldn't get it", "failed to fix", "failed to resolve", "was not able to fix",
        "wasn't able to fix", "not able to fix", "gave up", "give up", "giving up", "i'm stuck", "i am stuck", "error persists",
        "issue persists", "problem persists", "remains broken", "remains unresolved",
        "sigue fallando", "no funciona", "ne fonctionne pas", "échoue toujours", "funktioniert nicht", "schlägt fehl", "não funciona",
        "non funziona", "hâlâ çalışmıyor", "çalışmıyor", "не работает", "всё ещё падает", "仍然失败", "无法修复", "不工作", "動きません",
        "失敗します", "修正できません", "작동하지 않", "실패합니다",
    ]
    static let agentWeakFailure = [
        "unfortunately", "unable to", "could not", "couldn't", "was not able", "wasn't able", "were not able", "failed to",
        "not possible to", "impossible to", "ran out of", "blocked by", "i can't", "i cannot",
        "lamentablemente", "malheureusement", "leider", "infelizmente", "purtroppo", "maalesef", "к сожалению", "遗憾", "残念",
    ]

    /// The verdict of the agent's final message on its own work, or nil.
    static func agent(_ text: String) -> Reading? {
        agentPhrases.weigh(text.lowercased(), needStrong: false)
    }

    static let agentPhrases = PhraseTable(
        strongSuccess: agentStrongSuccess, weakSuccess: agentWeakSuccess, strongFailure: agentStrongFailure, weakFailure: agentWeakFailure)

    // MARK: A user's reply

    static let userStrongSuccess = [
        "it works", "works now", "working now", "now it works", "that works", "that worked", "this works", "it worked", "works great",
        "works perfectly", "works fine", "that fixed it", "fixed it", "that did it", "problem solved", "issue solved", "all good",
        "looks good", "lgtm", "perfect", "well done", "good job", "nice work", "great work", "👍",
        "funciona", "ça marche", "ca marche", "es funktioniert", "klappt", "funcionou", "funziona", "çalıştı", "çalışıyor",
        "работает", "заработало", "可以了", "好了", "成功了", "動きました", "できました", "됐어요", "작동해요",
    ]
    static let userWeakSuccess = ["thanks", "thank you", "thx", "great", "awesome", "excellent", "nice", "cool", "🎉", "gracias", "merci", "danke", "obrigado", "grazie", "teşekkür", "спасибо", "谢谢", "ありがとう", "감사"]
    static let userStrongFailure = [
        "still", "doesn't work", "does not work", "didn't work", "did not work", "not working", "isn't working", "is not working",
        "broken", "crash", "crashes", "crashed", "same error", "same problem", "same issue", "nothing happens", "nothing changed",
        "not fixed", "isn't fixed", "wrong", "traceback (most recent call last)", "error:", "exception", "segmentation fault",
        "panic:", "npm err!", "failed", "failing", "fails",
        "no funciona", "sigue fallando", "ne marche pas", "funktioniert nicht", "immer noch", "não funciona", "non funziona",
        "çalışmıyor", "hâlâ", "hala", "hata", "çöktü", "не работает", "всё ещё", "ошибка", "还是", "仍然", "报错", "错误",
        "崩溃", "動かない", "動きません", "エラー", "まだ", "안 돼", "오류", "에러",
    ]
    static let userWeakFailure = ["error", "errors", "bug", "problem", "issue", "but", "however", "can't", "cannot", "doesn't", "won't", "?"]

    /// The verdict of a user's reply on the work before it, or nil.
    /// A reply is read only when it says something strong ("works now", "still failing", a
    /// traceback): a question or a "thanks" alone is no verdict on the work.
    static func user(_ text: String) -> Reading? {
        userPhrases.weigh(text.lowercased(), needStrong: true)
    }

    static let userPhrases = PhraseTable(
        strongSuccess: userStrongSuccess, weakSuccess: userWeakSuccess, strongFailure: userStrongFailure, weakFailure: userWeakFailure)

    /// Whether `phrase` occurs in `text` as whole words (a phrase of letters is not matched
    /// inside a longer word: "done" is not in "abandoned"); phrases in scripts without spaces
    /// match anywhere.
    static func contains(_ text: String, _ phrase: String) -> Bool {
        let table = PhraseTable(strongSuccess: [phrase], weakSuccess: [], strongFailure: [], weakFailure: [])
        return !table.matches(text.lowercased()).isEmpty
    }
}

/// Phrase lists searched in one pass over the text (`FoldedAnchors`), each phrase with its side
/// and weight.
struct PhraseTable: Sendable {
    struct Phrase: Sendable {
        var text: String
        var success: Bool
        var weight: Int
        /// Whether the phrase starts / ends with an ASCII letter, so it must not touch another letter there.
        var wordStart: Bool
        var wordEnd: Bool
    }

    let phrases: [Phrase]
    let anchors: ByteAnchors

    init(strongSuccess: [String], weakSuccess: [String], strongFailure: [String], weakFailure: [String]) {
        var phrases: [Phrase] = []
        func add(_ list: [String], _ success: Bool, _ weight: Int) {
            for text in list where text.utf8.count >= 2 {
                let first = text.unicodeScalars.first.map { $0.isASCII && $0.properties.isAlphabetic } ?? false
                let last = text.unicodeScalars.last.map { $0.isASCII && $0.properties.isAlphabetic } ?? false
                phrases.append(Phrase(text: text, success: success, weight: weight, wordStart: first, wordEnd: last))
            }
        }
        add(strongSuccess, true, 2)
        add(weakSuccess, true, 1)
        add(strongFailure, false, 2)
        add(weakFailure, false, 1)
        self.phrases = phrases
        anchors = ByteAnchors(phrases.map(\.text))
    }

    /// The phrases that occur in `lowered` (already lower-cased) as whole words, each once.
    func matches(_ lowered: String) -> [Phrase] {
        var found = Set<Int>()
        var text = lowered
        text.withUTF8 { bytes in
            anchors.forEachHit(in: bytes) { at, index in
                let phrase = phrases[index]
                let end = at + phrase.text.utf8.count
                func isLetter(_ b: UInt8) -> Bool { (b | 0x20) &- 0x61 < 26 || b >= 0x80 }
                if phrase.wordStart, at > 0, isLetter(bytes[at - 1]) { return true }
                if phrase.wordEnd, end < bytes.count, isLetter(bytes[end]) { return true }
                found.insert(index)
                return true
            }
        }
        return found.sorted().map { phrases[$0] }
    }

    /// Weighs the phrases found: the side with more weight decides, a tie decides nothing; a
    /// success phrase inside a failure phrase found too ("funciona" in "no funciona") does not count.
    func weigh(_ lowered: String, needStrong: Bool) -> Statements.Reading? {
        guard !lowered.isEmpty else { return nil }
        let found = matches(lowered)
        let failures = found.filter { !$0.success }
        var good = 0
        var bad = 0
        var goodPhrase: Phrase?
        var badPhrase: Phrase?
        for phrase in failures {
            bad += phrase.weight
            if badPhrase.map({ $0.weight < phrase.weight }) ?? true { badPhrase = phrase }
        }
        for phrase in found where phrase.success {
            if failures.contains(where: { $0.text.count > phrase.text.count && $0.text.contains(phrase.text) }) { continue }
            good += phrase.weight
            if goodPhrase.map({ $0.weight < phrase.weight }) ?? true { goodPhrase = phrase }
        }
        if good > bad, let goodPhrase, !needStrong || goodPhrase.weight == 2 { return .init(outcome: .success, phrase: goodPhrase.text) }
        if bad > good, let badPhrase, !needStrong || badPhrase.weight == 2 { return .init(outcome: .failure, phrase: badPhrase.text) }
        return nil
    }
}
