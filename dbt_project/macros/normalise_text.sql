{#-
    Text compared for equality regardless of case and spacing, e.g. units
    "Triệu đồng" vs "triệu  đồng". PostgreSQL's lower() only folds ASCII under
    the C collation, so Vietnamese capitals are folded explicitly.
    Inputs are expected in Unicode NFC (the loader normalises what it reads).
-#}
{% macro normalise_text(expression) -%}
    nullif(
        btrim(regexp_replace(
            lower(translate(
                {{ expression }},
                'ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ',
                'àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ'
            )),
            '\s+', ' ', 'g'
        )),
        ''
    )
{%- endmacro %}

{#- A code as the catalog writes it: trimmed, upper case ASCII. -#}
{% macro clean_code(expression) -%}
    nullif(upper(trim({{ expression }})), '')
{%- endmacro %}
