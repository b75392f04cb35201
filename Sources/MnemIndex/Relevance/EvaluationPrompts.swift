import MnemCore

/// The prompts the relevance goals are measured with, kept apart from what calibrates them.
///
/// `offTopic` are everyday requests (none of them in `BackgroundPrompts`, which the floor is
/// calibrated on); `codingTasks` are realistic tasks from projects other than any in mnem's
/// corpus of sessions. The tests and `mnem bench quality` use them; retrieval never does.
public enum EvaluationPrompts {
    public static let offTopic: [String] = [
        "Bake a banana bread with walnuts",
        "Plan a three day trip to Kyoto",
        "What is a good name for a golden retriever puppy?",
        "Help me choose a color for my living room curtains",
        "How do I make a perfect cup of pour-over coffee?",
        "Suggest a workout for tired legs after a long walk",
        "Write a birthday message for my best friend turning forty",
        "What are the health benefits of green tea?",
        "Recommend a fantasy book series for a twelve year old",
        "How do I get candle wax out of a tablecloth?",
        "What is the history of the Eiffel Tower?",
        "Teach me the basic steps of salsa dancing",
        "How do I grow strawberries on a balcony?",
        "Give me a packing list for a ski holiday",
        "What should I feed a pet rabbit?",
        "How do I negotiate a higher salary at my next review?",
        "Write a haiku about autumn leaves",
        "Which museums in London are free to visit?",
        "How do I make homemade pizza dough?",
        "What are the planets of the solar system in order?",
        "Ideas for a cozy reading nook in a small apartment",
        "How can I stop procrastinating on my chores?",
        "Recommend a scenic hike near Vancouver",
        "How do I care for a leather jacket?",
        "What is the difference between a latte and a cappuccino?",
        "Help me plan a baby shower for twenty guests",
        "How do I learn to juggle three balls?",
        "What causes the tides in the ocean?",
        "Suggest a menu for a Thanksgiving dinner",
        "How do I teach my dog to stop pulling on the leash?",
    ]

    public static let codingTasks: [String] = [
        "Fix the off-by-one error in the pagination of the /users API endpoint",
        "Add retry with exponential backoff to the HTTP client in our Go service",
        "The Jest tests for the checkout form fail after upgrading React to 18; make them pass",
        "Migrate the Flask app's database access from raw SQL strings to SQLAlchemy models",
        "Our Rust CLI panics with 'index out of bounds' when the config file is empty; handle it",
        "Write unit tests for the date parsing helper in utils/dates.py",
        "Add a --dry-run flag to the deploy script that prints what it would change",
        "Resolve the TypeScript error 'Property does not exist on type' in the user profile component",
        "Speed up the slow Postgres query that lists orders by customer",
        "Set up GitHub Actions to run the Python test suite on every pull request",
        "Refactor the Java payment service to remove the duplicated validation logic",
        "The Docker build for the Node API fails with 'npm ERR! code ENOENT'; fix the Dockerfile",
        "Implement a LRU cache for the thumbnail service in Kotlin",
        "Upgrade the Django project from 3.2 to 4.2 and fix the deprecation warnings",
        "Debug why the Celery worker silently drops tasks after a Redis restart",
        "Add input validation to the signup endpoint so empty emails return 400",
        "Fix the memory leak in the C++ image decoder reported by valgrind",
        "Make the Swift package build on Linux by replacing the Darwin-only APIs",
        "Add logging of request ids to the Express middleware",
        "The Terraform plan wants to recreate the S3 bucket; find out why and prevent it",
    ]

    /// The mean Jaccard index over pairs of the sets memories injected for different prompts
    /// (pairs where both are empty are left out): how alike different tasks' context is.
    public static func meanJaccard(_ sets: [Set<MemoryID>]) -> Double {
        var total = 0.0
        var pairs = 0
        for i in sets.indices {
            for j in sets.indices where j > i && !(sets[i].isEmpty && sets[j].isEmpty) {
                total += Double(sets[i].intersection(sets[j]).count) / Double(sets[i].union(sets[j]).count)
                pairs += 1
            }
        }
        return pairs == 0 ? 0 : total / Double(pairs)
    }
}
