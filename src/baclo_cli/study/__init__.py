"""The study layer: quiz questions, flashcards and the FSRS review scheduler with its state file.

Imports the answers and knowledge layers."""
